"""Frozen records the services return, one module per feature: plain data, safe in any thread."""
