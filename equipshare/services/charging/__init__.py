"""Charging: prices in force, rate cards, facility charging policies and monthly statements."""
