"""Frozen records of money: rate cards, charge corrections, recharge statements, grant plans."""
