"""The demo consortium as rows: institutions, people, facilities and their instruments."""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta

from equipshare.db.base import Base
from equipshare.db.models.bookings import Downtime
from equipshare.db.models.catalogue import (
    Facility,
    FacilityStaff,
    Institution,
    Instrument,
    OpeningHours,
    User,
)
from equipshare.db.models.charging import RateCard
from equipshare.db.models.training import TrainingRecord
from equipshare.demo.calendar import (
    DemoCalendar,
    Person,
    PlannedFacility,
    PlannedInstrument,
    Row,
)
from equipshare.demo.catalogue import (
    FACILITY_TEMPLATES,
    FULL_SERVICE,
    INSTITUTIONS,
    KINDS,
    LONG_DAY,
    OFFICE,
    InstitutionSpec,
    InstrumentKind,
)
from equipshare.demo.charging import (
    add_rate_rise,
    charging_rng,
    facility_policy,
    policy_columns,
)
from equipshare.demo.people import FIRST_NAMES, FUNDER_PREFIXES, GRANT_LETTERS, SURNAMES
from equipshare.demo.terms import (
    add_downtimes,
    add_rate_cards,
    add_training,
    train_demo_persona,
)
from equipshare.domain.enums import (
    AccessLevel,
    InstitutionSector,
    InstrumentStatus,
    Role,
    StaffRole,
    UniquipType,
)

TOTAL_INSTRUMENTS = 320
ACCESS_WEIGHTS = {
    AccessLevel.CONSORTIUM: 55,
    AccessLevel.EXTERNAL_ACADEMIC: 17,
    AccessLevel.INDUSTRY: 15,
    AccessLevel.INSTITUTION: 13,
}
SERVICE_NOTES = {
    FULL_SERVICE: "Facility staff run your samples and return the data.",
    "Self-service with training": "Trained users book and run it themselves.",
    "Collaborative": "Experiments are designed and run with facility staff.",
}
MEG_QUOTA_MINUTES = 360


def _ascii(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


class ConsortiumBuilder:
    """Institutions, people, facilities, instruments, training, prices and downtime, as rows."""

    def __init__(self, rng: random.Random, calendar: DemoCalendar, admin_username: str) -> None:
        self.rng = rng
        self.calendar = calendar
        self.rows: dict[type[Base], list[Row]] = {
            model: []
            for model in (
                Institution,
                User,
                Facility,
                FacilityStaff,
                Instrument,
                OpeningHours,
                TrainingRecord,
                RateCard,
                Downtime,
            )
        }
        self.instruments: list[PlannedInstrument] = []
        self.admin_username = (admin_username.strip() or "admin")[:64]
        self._institution_ids = {spec.code: n for n, spec in enumerate(INSTITUTIONS, start=1)}
        self._researchers: dict[str, list[Person]] = {}
        self._contacts: dict[int, tuple[str, str]] = {}  # user id -> (name, email)
        self._taken: set[str] = set()
        self._projects: set[str] = set()
        self._facilities: list[tuple[PlannedFacility, str, str]] = []
        self._long_ago = calendar.anchor - timedelta(days=4 * 365)
        # Policies and price rises draw apart, so the consortium itself does not change.
        self._charging = charging_rng(calendar, "charging")
        self._add_institutions()
        self._add_people()
        for spec in INSTITUTIONS:
            for key, building in spec.facilities:
                self._add_facility(spec, key, building)
        self._add_instruments()
        self._set_statuses()
        for instrument in self.instruments:
            add_training(rng, calendar, instrument, self.rows[TrainingRecord])
            train_demo_persona(calendar, instrument, self.admin_id, self.rows[TrainingRecord])
            add_rate_cards(rng, calendar, instrument, self.rows[RateCard])
            add_rate_rise(self._charging, calendar, instrument, self.rows[RateCard])
        add_downtimes(rng, calendar, self.instruments, self.rows[Downtime])

    def _add_institutions(self) -> None:
        self.rows[Institution] = [
            {
                "id": self._institution_ids[s.code],
                "code": s.code,
                "name": s.name,
                "sector": s.sector.value,
                "is_partner": s.is_partner,
                "email_domain": s.domain,
                "created_at": self._long_ago,
            }
            for s in INSTITUTIONS
        ]

    def _add_user(
        self,
        spec: InstitutionSpec,
        role: Role,
        display: str | None = None,
        username: str | None = None,
    ) -> int:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        display = display or f"{first} {last}"
        while username is None or username in self._taken:
            username = f"{_ascii(first)[0]}{_ascii(last)}{rng.randint(1, 99)}"
        self._taken.add(username)
        local = f"{_ascii(first)}.{_ascii(last)}" if display == f"{first} {last}" else username
        email = f"{local}@{spec.domain}"
        while email in self._taken:
            email = f"{local}{rng.randint(2, 9)}@{spec.domain}"
        self._taken.add(email)
        user_id = len(self.rows[User]) + 1
        self.rows[User].append(
            {
                "id": user_id,
                "username": username,
                "display_name": display,
                "email": email,
                "institution_id": self._institution_ids[spec.code],
                "role": role.value,
                "active": True,
                "created_at": self.calendar.anchor - timedelta(days=rng.randint(800, 3000)),
            }
        )
        self._contacts[user_id] = (display, email)
        return user_id

    def _project(self, spec: InstitutionSpec) -> str:
        code = ""
        while not code or code in self._projects:
            if spec.sector is InstitutionSector.INDUSTRY:
                code = f"PO-{spec.code}-{self.rng.randint(10000, 99999)}"
            else:
                code = (
                    f"{self.rng.choice(FUNDER_PREFIXES)}/{self.rng.choice(GRANT_LETTERS)}"
                    f"{self.rng.randint(0, 999999):06d}/1"
                )
        self._projects.add(code)
        return code

    def _add_people(self) -> None:
        words = self.admin_username.replace("_", " ").replace(".", " ").replace("-", " ")
        warwick = next(s for s in INSTITUTIONS if s.code == "WARWICK")
        self.admin_id = self._add_user(
            warwick, Role.ADMIN, words.title() or self.admin_username, self.admin_username
        )
        for code in ("BHAM", "NOTTS"):
            self._add_user(next(s for s in INSTITUTIONS if s.code == code), Role.ADMIN)
        for spec in INSTITUTIONS:
            people = self._researchers.setdefault(spec.code, [])
            for _ in range(spec.researchers):
                user_id = self._add_user(spec, Role.RESEARCHER)
                if self.rng.random() < 0.02:  # left the institution; kept for history
                    self.rows[User][-1]["active"] = False
                    continue
                projects = tuple(self._project(spec) for _ in range(self.rng.randint(1, 2)))
                people.append(Person(user_id, spec, projects))

    def _add_facility(self, spec: InstitutionSpec, key: str, building: str) -> None:
        template, facility_id = FACILITY_TEMPLATES[key], len(self.rows[Facility]) + 1
        policy = facility_policy(self._charging, key)
        slug = template.name.lower().replace(" ", "-")
        manager = self._add_user(spec, Role.FACILITY_MANAGER)
        technicians = tuple(
            self._add_user(spec, Role.TECHNICIAN) for _ in range(self.rng.choice((2, 2, 3)))
        )
        self.rows[Facility].append(
            {
                "id": facility_id,
                "institution_id": self._institution_ids[spec.code],
                "code": f"{spec.prefix}-{key}",
                "name": template.name,
                "department": template.department,
                "building": building,
                "site": spec.site,
                "timezone": "Europe/London",
                "email": f"{key.lower()}-facility@{spec.domain}",
                "web_address": f"https://www.{spec.domain}/facilities/{slug}",
                **policy_columns(policy),
                "created_at": self._long_ago,
            }
        )
        self.rows[FacilityStaff] += [
            {"facility_id": facility_id, "user_id": manager, "role": StaffRole.MANAGER.value}
        ] + [
            {"facility_id": facility_id, "user_id": t, "role": StaffRole.TECHNICIAN.value}
            for t in technicians
        ]
        self._facilities.append(
            (
                PlannedFacility(
                    facility_id, f"{spec.prefix}-{key}", spec, manager, technicians, policy
                ),
                key,
                building,
            )
        )

    def _add_instruments(self) -> None:
        rng, facilities = self.rng, self._facilities
        sizes = [rng.randint(*FACILITY_TEMPLATES[key].size) for _, key, _ in facilities]
        while (total := sum(sizes)) != TOTAL_INSTRUMENTS:
            n = rng.randrange(len(sizes))
            low, high = FACILITY_TEMPLATES[facilities[n][1]].size
            sizes[n] += 1 if total < TOTAL_INSTRUMENTS and sizes[n] < high else 0
            sizes[n] -= 1 if total > TOTAL_INSTRUMENTS and sizes[n] > low else 0
        numbers: dict[str, int] = {}
        for (facility, key, building), size in zip(facilities, sizes, strict=True):
            kinds = list(dict.fromkeys(FACILITY_TEMPLATES[key].kinds))[:size]
            kinds += [rng.choice(FACILITY_TEMPLATES[key].kinds) for _ in range(size - len(kinds))]
            for kind_key in kinds:
                prefix = f"{facility.institution.prefix}-{kind_key}"
                numbers[prefix] = numbers.get(prefix, 0) + 1
                code = f"{prefix}-{numbers[prefix]:02d}"
                self._add_instrument(facility, KINDS[kind_key], key, building, code)

    def _add_instrument(
        self, facility: PlannedFacility, kind: InstrumentKind, key: str, building: str, code: str
    ) -> None:
        rng, spec = self.rng, facility.institution
        manufacturer, model = rng.choice(kind.models)
        fixed_blocks = kind.slot == kind.min_len == kind.max_len
        access = (
            AccessLevel.CONSORTIUM
            if fixed_blocks or kind.family == "neuro"
            else rng.choices(list(ACCESS_WEIGHTS), list(ACCESS_WEIGHTS.values()))[0]
        )
        hours = LONG_DAY if kind.hours == OFFICE and rng.random() < 0.25 else kind.hours
        instrument = PlannedInstrument(
            id=len(self.instruments) + 1,
            facility=facility,
            kind=kind,
            access=access,
            hours=hours,
            requires_approval=kind.approval or rng.random() < 0.08,
            requires_project_code=fixed_blocks or kind.family == "neuro" or rng.random() < 0.05,
            weekly_quota=MEG_QUOTA_MINUTES if fixed_blocks else None,
            min_notice=1440 if fixed_blocks else rng.choice((0, 0, 0, 60, 1440)),
            max_days_ahead=90 if fixed_blocks else rng.choice((60, 90, 90, 180)),
            insiders=self._researchers[spec.code],
            outsiders=[
                p
                for s in INSTITUTIONS
                if s is not spec and _admits(access, s)
                for p in self._researchers[s.code]
            ],
        )
        self.instruments.append(instrument)
        contact, secondary = rng.sample(facility.technicians, 2)
        room = f"{rng.choice('ABCDFG')}{rng.randint(0, 3)}.{rng.randint(1, 40):02d}"
        web = f"https://www.{spec.domain}/facilities/{facility.code.lower()}"
        self.rows[Instrument].append(
            {
                "id": instrument.id,
                "facility_id": facility.id,
                "code": code,
                "name": f"{kind.noun} ({model})",
                "category": kind.category,
                "technique": kind.technique,
                "manufacturer": manufacturer,
                "model": model,
                "description": f"{manufacturer} {model}: {kind.technique}. "
                f"{SERVICE_NOTES[kind.service]}",
                "building": building,
                "room": room,
                "status": instrument.status.value,
                "access_level": access.value,
                "contact_technician_id": contact,
                "slot_minutes": kind.slot,
                "min_minutes": kind.min_len,
                "max_minutes": kind.max_len,
                "min_notice_minutes": instrument.min_notice,
                "max_days_ahead": instrument.max_days_ahead,
                "requires_approval": instrument.requires_approval,
                "requires_training": kind.training,
                "requires_project_code": instrument.requires_project_code,
                "allow_overnight": hours is None,
                "weekly_quota_minutes": instrument.weekly_quota,
                "uniquip_id": f"{spec.code.lower()}-eq-{10000 + instrument.id}",
                "uniquip_type": UniquipType.EQUIPMENT.value,
                "location": f"Room {room}, {building}, {spec.site}",
                "site_location": spec.site,
                "department": FACILITY_TEMPLATES[key].department,
                "contact_name": self._contacts[contact][0],
                "contact_email": self._contacts[contact][1],
                "contact_telephone": f"{spec.telephone}{rng.randint(1000, 9999)}",
                "contact_url": web,
                "secondary_contact_name": self._contacts[secondary][0],
                "secondary_contact_email": self._contacts[secondary][1],
                "secondary_contact_telephone": None,
                "secondary_contact_url": None,
                "photo_url": None,
                "service_level": kind.service,
                "web_address": f"{web}/{code.lower()}",
                "created_at": self._long_ago,
                "updated_at": self._long_ago,
            }
        )
        if hours is not None:
            self.rows[OpeningHours] += [
                {
                    "id": len(self.rows[OpeningHours]) + weekday + 1,
                    "instrument_id": instrument.id,
                    "weekday": weekday,
                    "opens_minute": hours[0],
                    "closes_minute": hours[1],
                }
                for weekday in range(5)
            ]

    def _set_statuses(self) -> None:
        """A few instruments are limited, out of service or retired, as in any real catalogue."""
        ordinary = [i for i in self.instruments if i.weekly_quota is None and i.kind.slot <= 60]
        chosen = self.rng.sample(ordinary, 12)
        for instrument, status in zip(
            chosen,
            [InstrumentStatus.RETIRED] * 2
            + [InstrumentStatus.OUT_OF_SERVICE] * 4
            + [InstrumentStatus.LIMITED] * 6,
            strict=True,
        ):
            instrument.status = status
            self.rows[Instrument][instrument.id - 1]["status"] = status.value


def _admits(access: AccessLevel, guest: InstitutionSpec) -> bool:
    """Whether users of `guest` (not the host institution) may book at this access level."""
    if access is AccessLevel.INSTITUTION:
        return False
    if access is AccessLevel.CONSORTIUM:
        return guest.is_partner
    if access is AccessLevel.EXTERNAL_ACADEMIC:
        return guest.is_partner or guest.sector is InstitutionSector.ACADEMIC
    return True
