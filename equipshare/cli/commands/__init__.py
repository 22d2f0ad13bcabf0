"""The daily `equipshare` command groups, by feature; cli/registry.py says where each lives."""
