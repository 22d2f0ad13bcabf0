"""SSH keys: the public keys that identify equipshare users to its SSH server."""
