"""The people commands: `users` (accounts, SSH keys, credit profiles) and `training`."""
