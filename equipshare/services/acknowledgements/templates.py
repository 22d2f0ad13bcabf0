"""A facility's acknowledgement wording: read by anyone signed in, set and cleared by its
managers and admins, each change audited with the wording before and after."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from equipshare.db.models.catalogue import Facility
from equipshare.db.models.credit import AcknowledgementTemplate
from equipshare.domain.acknowledgements.wording import DEFAULT_TEMPLATE, check_template
from equipshare.domain.errors import NotFound, PermissionDenied
from equipshare.domain.records.impact.acknowledgements import AcknowledgementWording
from equipshare.domain.rules.permissions import Actor
from equipshare.domain.time.clock import Clock
from equipshare.services.plumbing.audit import record_audit


def load_facility(session: Session, code: str) -> Facility:
    row = session.scalars(select(Facility).where(Facility.code == code.strip())).one_or_none()
    if row is None:
        raise NotFound(f"facility: no facility with code {code.strip()!r}", "facility")
    return row


def wording_of(session: Session, facility: Facility) -> AcknowledgementWording:
    own = session.get(AcknowledgementTemplate, facility.id)
    return AcknowledgementWording(
        facility.code,
        facility.name,
        own.template if own else DEFAULT_TEMPLATE,
        is_default=own is None,
    )


def require_manager(actor: Actor, facility: Facility) -> None:
    if actor.user.active and (actor.user.is_admin or actor.manages(facility.id)):
        return
    raise PermissionDenied(
        f"{actor.user.username} may not change {facility.code}'s acknowledgement wording: "
        "that needs a manager of the facility or an admin",
        "facility",
    )


def set_template(
    session: Session, actor: Actor, facility: Facility, text: str | None, clock: Clock
) -> AcknowledgementWording:
    """Save `text` (checked) as the facility's wording, or with None go back to the default."""
    require_manager(actor, facility)
    checked = None if text is None else check_template(text)
    row = session.get(AcknowledgementTemplate, facility.id)
    before = row.template if row else None
    if checked == before:
        return wording_of(session, facility)
    now = clock.now()
    if checked is None:
        assert row is not None
        session.delete(row)
    elif row is None:
        session.add(
            AcknowledgementTemplate(
                facility_id=facility.id, template=checked, updated_at=now, updated_by_id=actor.id
            )
        )
    else:
        row.template, row.updated_at, row.updated_by_id = checked, now, actor.id
    record_audit(
        session,
        actor_id=actor.id,
        action="facility.acknowledgement",
        entity_type="facility",
        entity_id=facility.id,
        at=now,
        before={"acknowledgement_template": before},
        after={"acknowledgement_template": checked},
    )
    session.flush()
    return wording_of(session, facility)
