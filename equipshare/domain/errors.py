"""Domain errors whose messages are fit to show to a person."""

from __future__ import annotations

from datetime import datetime


class EquipshareError(Exception):
    """Base of every error a user can act on; anything else is a bug."""

    #: Process exit code the CLI uses for this error (1 = refused, 2 = bad input).
    exit_code: int = 1


class ConfigError(EquipshareError):
    """The configuration file is missing, malformed or holds a bad value."""

    exit_code = 2


class InputError(EquipshareError):
    """A command-line argument or input file cannot be used as given."""

    exit_code = 2

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DatabaseError(EquipshareError):
    """The database cannot be reached or is not in the state the code needs."""

    exit_code = 2


class ServerStartError(EquipshareError):
    """A server could not start: its address is taken, unknown or not allowed."""

    exit_code = 2


class DatabaseNotAtHead(DatabaseError):
    """The schema is older (or newer) than this version of equipshare expects."""

    exit_code = 1

    def __init__(self, current: str | None, head: str) -> None:
        shown = current or "empty"
        super().__init__(
            f"database schema is at {shown}, but this equipshare needs {head}: "
            "run `equipshare db upgrade`"
        )
        self.current = current
        self.head = head


class RefusedError(EquipshareError):
    """A rule refused the request; the message says which and why.

    `field` names the input the refusal concerns (start, length, technician...), so the
    TUI can show it beside that field.
    """

    exit_code = 1

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(RefusedError):
    """The acting user lacks the right; the message names it."""


class NotFound(RefusedError):
    """The instrument, booking or user named does not exist (or is not visible)."""


class TooSoon(RefusedError):
    """A start inside the instrument's minimum notice.

    `earliest` is the first start that meets the notice, the slot grid and the opening
    hours and misses known downtime, so a form can offer the free slots from there; None
    when there is none within the instrument's booking horizon.
    """

    def __init__(
        self, message: str, earliest: datetime | None, field: str | None = "start"
    ) -> None:
        super().__init__(message, field)
        self.earliest = earliest


class ConflictError(RefusedError):
    """The time range is taken by another booking, a downtime or the technician's time."""

    def __init__(
        self, message: str, field: str | None = "start", booking_id: int | None = None
    ) -> None:
        super().__init__(message, field)
        self.booking_id = booking_id
