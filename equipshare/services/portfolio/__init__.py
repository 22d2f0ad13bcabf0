"""Technicians' portfolios: their recorded work over a period (issue 21)."""
