"""Technicians: how facility staff are credited, for acknowledgements and grants."""
