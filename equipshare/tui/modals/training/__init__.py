"""Dialogs of training records: recording training, and renewing or revoking it."""
