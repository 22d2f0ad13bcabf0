"""The `import` and `export` groups: calendars, the instrument catalogue and users, in and out."""
