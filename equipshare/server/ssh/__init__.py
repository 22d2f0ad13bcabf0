"""The app over SSH: an asyncssh server that runs one app process per session in a pty."""
