"""Commands that run an installation: the schema, backups and checks, the server, the app,
the demo, the outbox and the calendar feeds."""
