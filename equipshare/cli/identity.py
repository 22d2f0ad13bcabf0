"""Who a command acts as: $EQUIPSHARE_USER or the OS login, or `--as USER` for admins."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from equipshare.domain.errors import InputError

if TYPE_CHECKING:
    from equipshare.services.plumbing.context import ServiceContext

USER_ENV = "EQUIPSHARE_USER"
F = TypeVar("F", bound=Callable[..., Any])


def caller_username() -> str:
    """The person at the keyboard: $EQUIPSHARE_USER if set, else the OS login name."""
    named = os.environ.get(USER_ENV, "").strip()
    if named:
        return named
    try:
        import getpass  # here: only without $EQUIPSHARE_USER

        return getpass.getuser()
    except (KeyError, OSError):  # no login name, e.g. an unnamed uid in a container
        raise InputError(f"cannot tell who you are: set ${USER_ENV}", "user") from None


def resolve_actor(context: ServiceContext, as_user: str | None) -> str:
    """The username a command acts as; `--as` is honoured only for an admin caller.

    Raises NotFound (exit 1) for an unknown caller or --as user, and PermissionDenied
    (exit 1) when a non-admin passes --as someone else.
    """
    from equipshare.services.identity.service import IdentityService  # loads SQLAlchemy

    caller = caller_username()
    source = f"${USER_ENV}" if os.environ.get(USER_ENV, "").strip() else "your login name"
    hint = f" ({source}): set ${USER_ENV} to your equipshare username, or ask an admin to add you"
    return IdentityService(context).acting_username(caller, as_user, hint=hint)


def as_option(func: F) -> F:
    """The `--as USER` option every acting command takes; its value arrives as `as_user`."""
    return click.option(
        "--as",
        "as_user",
        metavar="USER",
        help=f"Act as USER (admins only; default ${USER_ENV}, else your login name).",
    )(func)
