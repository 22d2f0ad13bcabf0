"""Calendars: .ics export, subscription feeds and importing an exported calendar."""
