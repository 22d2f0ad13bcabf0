"""Records as people see them: plain words, masked URLs, portfolio pages, grant rows, safe cells."""
