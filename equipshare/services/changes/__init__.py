"""What changed since a screen last looked: change stamps of topics, read in one query."""
