"""`equipshare estimate`: grant costings, saved plans and their comparison with charges."""
