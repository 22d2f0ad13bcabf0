"""asyncssh, imported here once with the warning about DSA its import raises under recent
`cryptography` silenced: this server neither offers nor accepts DSA keys, and the warning
would otherwise open every `serve` log. The server's modules import asyncssh from here."""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh

__all__ = ["asyncssh"]
