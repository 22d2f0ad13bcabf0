"""Research outputs that researchers record against their bookings (issue 21)."""
