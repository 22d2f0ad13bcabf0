"""Rules that need no database: who may do what; booking, check-in, training, instrument rules."""
