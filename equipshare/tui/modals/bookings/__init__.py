"""Dialogs of booking: the form and its draft, which occurrences a change reaches, why, and when."""
