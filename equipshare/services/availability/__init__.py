"""Availability: the earliest free slots on one instrument or across a category."""
