"""The notification feature's public face: delivering the outbox by email.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.notify.delivery import NotifyService, Progress

__all__ = ["NotifyService", "Progress"]
