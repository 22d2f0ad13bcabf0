"""The `equipshare` command line: cli/main.py holds the group, commands/ the commands."""
