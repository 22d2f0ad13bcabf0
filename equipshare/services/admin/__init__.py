"""Keeping the database: schema, backups, integrity checks and retention."""
