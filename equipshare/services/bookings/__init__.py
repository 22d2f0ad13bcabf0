"""Bookings: create, check, repeat, approve, check in, wait for, list and close them."""
