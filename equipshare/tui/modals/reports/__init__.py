"""Dialogs of the reports and research outputs: the period a report covers, an output's record."""
