"""The administration screens: facilities, institutions, users, instruments, SSH keys."""
