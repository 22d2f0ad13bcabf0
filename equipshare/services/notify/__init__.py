"""Notifications: the outbox written with each change, and delivering it by email."""
