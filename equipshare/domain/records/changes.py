"""Change topics and their stamps: what an open screen watches so that it reloads only when
something it shows has changed, in this process or any other.

A topic's stamp is a number that grows with every committed write to what the topic covers
(`equipshare.db.change_stamps` counts them below the services). It means nothing alone: a
screen keeps the stamps it read last and reloads when one differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class TopicKind(StrEnum):
    """What a topic covers; each also moves with people, places and rights (the catalogue)."""

    #: key: an instrument code; its bookings, downtime, opening hours and waitlist
    INSTRUMENT = "instrument"
    #: key: a facility code; the same for every instrument of the facility
    FACILITY = "facility"
    #: key: the acting user's username; their own bookings
    USER = "user"
    #: the bookings on the instruments of the facilities the actor staffs (an admin's: all)
    APPROVALS = "approvals"
    #: the training records on those instruments
    TRAINING = "training"
    #: the downtime (and the rest of the schedule: opening hours, waitlists) on them
    DOWNTIME = "downtime"
    #: instruments, facilities, institutions, people and staff alone
    CATALOGUE = "catalogue"


@dataclass(frozen=True)
class Topic:
    """One thing a screen shows; `key` names which for the kinds that take one."""

    kind: TopicKind
    key: str = ""

    @classmethod
    def instrument(cls, code: str) -> Topic:
        return cls(TopicKind.INSTRUMENT, code)

    @classmethod
    def user(cls, username: str) -> Topic:
        return cls(TopicKind.USER, username)


#: The topics that take no key.
APPROVALS = Topic(TopicKind.APPROVALS)
TRAINING = Topic(TopicKind.TRAINING)
DOWNTIME = Topic(TopicKind.DOWNTIME)
CATALOGUE = Topic(TopicKind.CATALOGUE)


@dataclass(frozen=True)
class TopicStamps:
    """The stamps of some topics as read together; a topic naming nothing reads 0."""

    stamps: Mapping[Topic, int]

    def changed_since(self, before: TopicStamps) -> frozenset[Topic]:
        """The topics read both times whose stamps differ: what to show again."""
        return frozenset(
            topic
            for topic, stamp in self.stamps.items()
            if topic in before.stamps and before.stamps[topic] != stamp
        )
