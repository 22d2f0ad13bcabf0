"""Time without the database: the clock, typed and worded times, zones, recurrence, periods."""
