"""Persistence: ORM models, engine set-up and migrations. Only services import this."""
