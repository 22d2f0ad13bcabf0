"""The spreadsheets people keep: CSV as it really is, uniquip, people and training sheets."""
