"""Tests of the pure iCalendar code: the writer, VTIMEZONEs and the importer."""
