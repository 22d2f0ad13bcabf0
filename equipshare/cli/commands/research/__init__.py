"""The research record's commands: outputs made with bookings, and acknowledgements owed."""
