"""Frozen records of people: users and their training, account changes, sign-ins, SSH keys."""
