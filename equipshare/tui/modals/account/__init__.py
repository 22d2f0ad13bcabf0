"""Dialogs of a person's own account: SSH keys, feed URLs and their credit profile."""
