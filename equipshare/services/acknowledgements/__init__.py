"""Acknowledgements: what a paper owes the facilities and technicians behind its data."""
