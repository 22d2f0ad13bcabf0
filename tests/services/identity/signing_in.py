"""Helpers for the sign-in tests: settings for a server, a domain for an institution."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import update

from equipshare.db.models.catalogue import Institution, User
from equipshare.services.plumbing.context import ServiceContext
from equipshare.settings.server import AuthSettings, ServerSettings
from tests.support.world import World


def with_server(
    context: ServiceContext, auth: dict[str, Any] | None = None, **server: Any
) -> ServiceContext:
    """`context` with [server] and [auth] values changed as given."""
    settings = replace(
        context.settings,
        server=replace(ServerSettings(), **server),
        auth=replace(AuthSettings(), **(auth or {})),
    )
    return ServiceContext(context.database, context.clock, settings)


def give_domain(context: ServiceContext, world: World, code: str, domain: str) -> None:
    with context.database.sessions.begin() as session:
        session.execute(
            update(Institution)
            .where(Institution.id == world.institutions[code])
            .values(email_domain=domain)
        )


def set_active(context: ServiceContext, world: World, username: str, active: bool) -> None:
    with context.database.sessions.begin() as session:
        session.execute(update(User).where(User.id == world.users[username]).values(active=active))
