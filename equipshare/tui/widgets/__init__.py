"""Widgets that receive data and post their own messages; they never see services."""
