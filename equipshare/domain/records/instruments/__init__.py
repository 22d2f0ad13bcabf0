"""Frozen records of instruments: the catalogue, its pages, instrument edits, the schedule."""
