"""The app over SSH: an asyncssh server that runs one app process per session in a pty.

asyncssh is imported here first, once, with the deprecation warning about DSA keys its
import raises under recent `cryptography` silenced: this server neither offers nor accepts
DSA, and the warning would otherwise open every `serve` log.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh  # noqa: F401
