"""iCalendar (RFC 5545) export, feed caching and import: the only code that speaks iCalendar."""
