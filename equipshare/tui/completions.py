"""completions_for: the lookups that make username and instrument fields complete as typed.

Built where screens are built (the app), bound to the acting user, and handed to screens
as plain callables, so the suggesters and the screens holding them never see a service.
"""

from __future__ import annotations

from functools import partial

from equipshare.services.catalogue.service import InstrumentLookupService
from equipshare.services.people.service import UserLookupService
from equipshare.services.plumbing.context import ServiceContext
from equipshare.tui.widgets.suggesters import Completions


def completions_for(context: ServiceContext, actor_username: str) -> Completions:
    """Username and instrument-code lookups as `actor_username` may see them."""
    return Completions(
        usernames=partial(UserLookupService(context).usernames, actor_username),
        instruments=partial(InstrumentLookupService(context).codes, actor_username),
    )
