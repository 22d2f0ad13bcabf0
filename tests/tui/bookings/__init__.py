"""Booking from the week calendar, the booking form, series and My bookings."""
