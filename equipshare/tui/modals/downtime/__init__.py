"""Dialogs of downtime: scheduling an instrument out of use, with the bookings it cancels."""
