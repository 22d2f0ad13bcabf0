"""Frozen records of running the system: admin imports, maintenance, notifications, history."""
