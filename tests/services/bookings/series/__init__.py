"""Recurring series on both engines: booking them, then cancelling and moving them."""
