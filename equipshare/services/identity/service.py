"""The identity feature's public face: resolving who is acting, for front ends.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.identity.caller import IdentityService

__all__ = ["IdentityService"]
