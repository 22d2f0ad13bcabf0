"""Downtime: taking an instrument out of use and the bookings that cancels."""
