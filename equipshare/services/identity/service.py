"""The identity feature's public face: who is acting, and who is signed in to the server.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.identity.caller import IdentityService
from equipshare.services.identity.sessions import NOT_SIGNED_IN, SessionsService
from equipshare.services.identity.sign_in import LINK_ROUTE, SignInService

__all__ = ["LINK_ROUTE", "NOT_SIGNED_IN", "IdentityService", "SessionsService", "SignInService"]
