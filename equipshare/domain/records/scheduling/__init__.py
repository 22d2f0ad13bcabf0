"""Frozen records of bookings: bookings and requests, the waitlist, calendar feeds and imports."""
