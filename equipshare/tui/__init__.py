"""The Textual terminal app: screens that call services in thread workers and show records."""
