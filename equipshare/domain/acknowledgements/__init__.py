"""Acknowledgements, pure: a facility's template checked and filled, and the data as text,
Markdown, JSON or CSV. No database: the services hand in frozen records."""
