"""The identity feature's public face: who is acting, and who is signed in to the server.

Front ends import from here only; the modules beside it are the package's own. Only the
caller's identity (Core, no ORM) loads with this module: a launch of the terminal app
asks who is at the keyboard before its first frame. The server's sessions and sign-in
links load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from equipshare.services.identity.caller import IdentityService

if TYPE_CHECKING:
    from equipshare.services.identity.sessions import NOT_SIGNED_IN, SessionsService
    from equipshare.services.identity.sign_in import LINK_ROUTE, SignInService

#: Each name loaded on first use, and the module beside this one that holds it.
_LATER = {
    "LINK_ROUTE": "sign_in",
    "NOT_SIGNED_IN": "sessions",
    "SessionsService": "sessions",
    "SignInService": "sign_in",
}

__all__ = ["LINK_ROUTE", "NOT_SIGNED_IN", "IdentityService", "SessionsService", "SignInService"]


def __getattr__(name: str) -> Any:
    """Load a name of `_LATER` from its module on first use (PEP 562)."""
    module = _LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__package__}.{module}"), name)
    globals()[name] = value
    return value
