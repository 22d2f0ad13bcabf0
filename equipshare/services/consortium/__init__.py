"""The consortium's shape: first run, institutions, facilities and their staff."""
