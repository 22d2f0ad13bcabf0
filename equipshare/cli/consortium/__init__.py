"""Commands that shape the consortium: init, institutions, facilities and their staff."""
