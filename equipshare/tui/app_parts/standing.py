"""StandingChecks: who the acting user is (staff, admin, manager), what they may open, and
why a key they may not use does nothing, kept out of app.py.

The standing is read in a thread worker at start and after every write (a new facility
role, a decided request), so the staff keys and the title's count of waiting requests
stay current without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from equipshare.domain.records.users.accounts import Standing
from equipshare.tui.app_parts.administration import ADMIN_ONLY, offered
from equipshare.tui.app_parts.staff_actions import STAFF_ACTIONS
from equipshare.tui.service_screen import ServiceCalls

if TYPE_CHECKING:
    from equipshare.services.bookings.service import ApprovalsService
    from equipshare.services.plumbing.context import ServiceContext

#: The header's icon on the left and the clock's place on the right (Textual's Header).
HEADER_SIDES = 18


class StandingChecks(ServiceCalls, App[None]):
    """Mixed into the app: loads the user's standing and answers check_action and why_not."""

    @dataclass
    class StandingLoaded(Message):
        """Whether the acting user is facility staff, and how many requests wait for them."""

        staff: bool
        pending: int
        standing: Standing

    if TYPE_CHECKING:

        @property
        def context(self) -> ServiceContext: ...  # the app's; a launch opens it late

    actor_username: str
    #: Until the first load: nobody special, nothing waiting.
    staff = False
    pending = 0
    standing = Standing(admin=False, staff=False, manager=False)
    #: Whether the standing has been read once (it is first read after the first rows).
    standing_known = False

    if TYPE_CHECKING:

        @property
        def approvals(self) -> ApprovalsService: ...

    def load_standing(self) -> None:
        def standing() -> tuple[bool, int, Standing]:
            from equipshare.services.identity.service import IdentityService  # in the worker

            staff = self.approvals.may_approve(self.actor_username)
            pending = self.approvals.pending_count(self.actor_username) if staff else 0
            return staff, pending, IdentityService(self.context).standing(self.actor_username)

        self.call_service(standing, lambda found: self.StandingLoaded(*found), group="standing")

    @on(StandingLoaded)
    def _standing_loaded(self, message: StandingLoaded) -> None:
        self.staff, self.pending = message.staff, message.pending
        self.standing = message.standing
        self.standing_known = True
        self._fit_header()
        self.refresh_bindings()

    def on_resize(self) -> None:
        self._fit_header()

    def _fit_header(self) -> None:
        """The header's words, shorter where the full ones would be cut (at 80 columns)."""
        waiting = f"{self.pending} to approve" if self.pending else ""
        who = self.actor_username
        forms = [f"signed in as {who}", who, ""]
        forms = [" · ".join(part for part in (form, waiting) if part) for form in forms]
        room = self.size.width - HEADER_SIDES - len(self.title) - len(" — ")
        self.sub_title = next((form for form in forms if len(form) <= room), "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Staff-only screens are neither offered nor reachable for anyone else."""
        if action in STAFF_ACTIONS:
            return self.staff
        administration = offered(action, self.standing)
        return True if administration is None else administration

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why a screen check_action hides cannot be opened (the key says so: KeyAnswers)."""
        names = {b.action: b.description for b in Binding.make_bindings(self.BINDINGS)}
        screen = names.get(action, action)
        reading = any(w.group == "standing" and not w.is_finished for w in self.workers)
        if reading or not self.standing_known:
            return f"Still finding out what you may open; press again for {screen} in a moment"
        if action in STAFF_ACTIONS:
            return f"{screen} is for facility staff and admins; {self.actor_username} is neither"
        if offered(action, self.standing) is False:
            if action in ADMIN_ONLY:  # one kind of person: "neither" would read wrong
                return f"{screen} is for admins only; {self.actor_username} is not an admin"
            return f"{screen} is for admins and facility managers; {self.actor_username} is neither"
        return None
