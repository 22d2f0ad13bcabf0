"""Dialogs of administration: institutions, facilities, their staff, users and instrument status."""
