"""Frozen records the services return, grouped by area: plain data, safe in any thread."""
