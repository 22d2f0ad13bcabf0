"""Typed input checked before it is used: search text, ids, SSH keys, profiles, grant plan lines."""
