"""Tests of the consortium feature: first run, institutions, facilities and staff."""
