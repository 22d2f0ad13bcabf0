"""The people and places of the synthetic national dataset: institutions, facilities, users,
staff, instruments, opening hours and rate cards, as tuples in table column order.

Everything is drawn from one `random.Random`, so a scale and a seed always give the same
rows. Sizes follow the brief at scale 1: 160 institutions, 50,000 instruments and 230,000
users (about 30,000 of them technicians, as in UK higher education).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from equipshare.domain.enums import AccessLevel, InstitutionSector, UserClass
from equipshare.domain.money.charging import user_class_for

MI_PARTNERS = ("ASTON", "BHAM", "CRAN", "KEELE", "LEIC", "LBORO", "NOTTS", "WARWICK")
CATEGORIES = (
    ("XPS", "X-ray photoelectron spectroscopy", 3),
    ("SEM", "Scanning electron microscopy", 8),
    ("TEM", "Transmission electron microscopy", 4),
    ("FIB", "Focused ion beam", 2),
    ("NMR", "Nuclear magnetic resonance", 5),
    ("LCMS", "Liquid chromatography mass spectrometry", 6),
    ("XRD", "X-ray diffraction", 5),
    ("AFM", "Atomic force microscopy", 4),
    ("CONF", "Confocal microscopy", 7),
    ("FLOW", "Flow cytometry", 5),
    ("3DP", "Industrial 3D printing", 2),
    ("RAMAN", "Raman spectroscopy", 3),
)
#: Hourly instrument and technician rates in pence for an internal user; other classes pay more.
BASE_RATES = {"XPS": (9000, 4000), "SEM": (6000, 3500), "TEM": (12000, 4500), "FIB": (15000, 5000)}
CLASS_FACTORS = {
    UserClass.INTERNAL: 1.0,
    UserClass.PARTNER: 1.25,
    UserClass.EXTERNAL_ACADEMIC: 1.6,
    UserClass.INDUSTRY: 3.0,
}
INSTRUMENTS_PER_FACILITY = 20
TECHNICIAN_SHARE = 0.13
#: Who may book, as a share of instruments: most admit other universities, some industry too.
ACCESS_LEVELS = (
    (AccessLevel.INSTITUTION, 0.1),
    (AccessLevel.CONSORTIUM, 0.15),
    (AccessLevel.EXTERNAL_ACADEMIC, 0.45),
    (AccessLevel.INDUSTRY, 0.3),
)
#: At least this many institutions at any scale, so a small dataset still has an industry
#: member (index 10) among the eight partners and the other universities.
MIN_INSTITUTIONS = 12


@dataclass
class Institution:
    id: int
    code: str
    partner: bool
    sector: InstitutionSector
    weight: float
    user_ids: list[int] = field(default_factory=list)
    facility_ids: list[int] = field(default_factory=list)


@dataclass
class Instrument:
    id: int
    facility_id: int
    institution_id: int
    category: str
    requires_approval: bool
    requires_training: bool
    popularity: float
    access: AccessLevel = AccessLevel.EXTERNAL_ACADEMIC
    #: (valid_from, class) -> (hourly pence, technician pence), ordered by valid_from.
    rates: dict[UserClass, list[tuple[date, int, int]]] = field(default_factory=dict)


@dataclass
class Facility:
    id: int
    institution_id: int
    requires_check_in: bool
    actual_time: bool
    free_hours: int
    late_percent: int
    manager_id: int = 0
    technician_ids: list[int] = field(default_factory=list)

    @property
    def approvers(self) -> list[int]:
        """Who decides, trains and assists here: the technicians, or the manager alone."""
        return self.technician_ids or [self.manager_id]


@dataclass
class Nation:
    """The planned population, and every table's rows for it."""

    institutions: list[Institution]
    facilities: list[Facility]
    instruments: list[Instrument]
    user_institution: list[int]  # index: user id
    rows: dict[str, list[tuple[object, ...]]]
    columns: dict[str, tuple[str, ...]]
    #: Per access level, the institutions whose users it admits from outside the host.
    admitted: dict[AccessLevel, list[Institution]] = field(default_factory=dict)

    def user_class(self, user_id: int, instrument: Instrument) -> UserClass:
        home = self.institutions[self.user_institution[user_id] - 1]
        return user_class_for(
            same_institution=home.id == instrument.institution_id,
            partner=home.partner,
            sector=home.sector,
        )


COLUMNS = {
    "institutions": ("id", "code", "name", "sector", "is_partner", "email_domain", "created_at"),
    "facilities": (
        "id",
        "institution_id",
        "code",
        "name",
        "timezone",
        "charge_basis",
        "free_cancellation_hours",
        "late_cancellation_percent",
        "requires_check_in",
        "notify_staff_on_cancel",
        "created_at",
    ),
    "users": (
        "id",
        "username",
        "display_name",
        "email",
        "institution_id",
        "role",
        "active",
        "created_at",
    ),
    "facility_staff": ("facility_id", "user_id", "role"),
    "instruments": (
        "id",
        "facility_id",
        "code",
        "name",
        "category",
        "technique",
        "description",
        "status",
        "access_level",
        "contact_technician_id",
        "slot_minutes",
        "min_minutes",
        "max_minutes",
        "min_notice_minutes",
        "max_days_ahead",
        "requires_approval",
        "requires_training",
        "requires_project_code",
        "allow_overnight",
        "uniquip_id",
        "uniquip_type",
        "created_at",
        "updated_at",
    ),
    "opening_hours": ("id", "instrument_id", "weekday", "opens_minute", "closes_minute"),
    "rate_cards": (
        "id",
        "instrument_id",
        "user_class",
        "hourly_rate",
        "technician_hourly_rate",
        "currency",
        "valid_from",
    ),
}


def plan_nation(rng: random.Random, scale: float, created: datetime, history_start: date) -> Nation:
    """Institutions, facilities, people, instruments, opening hours and rate cards at `scale`."""
    n_institutions = max(MIN_INSTITUTIONS, round(160 * scale))
    n_instruments = max(200, round(50_000 * scale))
    n_users = max(1_000, round(230_000 * scale))
    rows: dict[str, list[tuple[object, ...]]] = {name: [] for name in COLUMNS}

    institutions: list[Institution] = []
    for n in range(n_institutions):
        partner = n < len(MI_PARTNERS)
        code = MI_PARTNERS[n] if partner else f"UNI{n:03d}"
        industry = not partner and n % 7 == 3
        if industry:
            code = f"IND{n:03d}"
        sector = InstitutionSector.INDUSTRY if industry else InstitutionSector.ACADEMIC
        weight = 0.2 if industry else (3.0 if partner else rng.lognormvariate(0, 0.6))
        institutions.append(Institution(n + 1, code, partner, sector, weight))
        rows["institutions"].append(
            (
                n + 1,
                code,
                f"Institution {code}",
                sector.value,
                partner,
                f"{code.lower()}.ac.uk",
                created,
            )
        )
    academic = [i for i in institutions if i.sector is InstitutionSector.ACADEMIC]

    # Users: spread by institution weight; the first of each institution is its admin.
    weights = [i.weight for i in institutions]
    user_institution = [0]
    for user_id in range(1, n_users + 1):
        home = (
            institutions[user_id - 1]
            if user_id <= n_institutions
            else rng.choices(institutions, weights)[0]
        )
        home.user_ids.append(user_id)
        user_institution.append(home.id)
    technicians: set[int] = set()
    for home in academic:  # industry members host no facility, so employ no technicians here
        staff = home.user_ids[1 : 1 + max(1, round(len(home.user_ids) * TECHNICIAN_SHARE))]
        technicians.update(staff)
    for user_id in range(1, n_users + 1):
        home = institutions[user_institution[user_id] - 1]
        role = (
            "admin"
            if home.user_ids[0] == user_id
            else ("technician" if user_id in technicians else "researcher")
        )
        rows["users"].append(
            (
                user_id,
                f"u{user_id}",
                f"User {user_id}",
                f"u{user_id}@{home.code.lower()}.ac.uk",
                home.id,
                role,
                True,
                created,
            )
        )

    # Facilities and instruments, mostly at academic institutions.
    facilities: list[Facility] = []
    instruments: list[Instrument] = []
    n_facilities = max(len(academic), n_instruments // INSTRUMENTS_PER_FACILITY)
    academic_weights = [i.weight for i in academic]
    for facility_id in range(1, n_facilities + 1):
        host = (
            academic[facility_id - 1]
            if facility_id <= len(academic)
            else rng.choices(academic, academic_weights)[0]
        )
        check_in = rng.random() < 0.3
        facility = Facility(
            facility_id,
            host.id,
            check_in,
            rng.random() < 0.15,
            rng.choice((12, 24, 24, 48)),
            rng.choice((0, 50, 50, 100)),
        )
        host.facility_ids.append(facility_id)
        facilities.append(facility)
        rows["facilities"].append(
            (
                facility_id,
                host.id,
                f"{host.code}-F{facility_id}",
                f"Facility {facility_id}",
                "Europe/London",
                "actual" if facility.actual_time else "booked",
                facility.free_hours,
                facility.late_percent,
                check_in,
                True,
                created,
            )
        )
    # Every technician works somewhere: an institution's technicians are dealt round its
    # facilities, and each facility is managed by one of them.
    for home in academic:
        pool = [u for u in home.user_ids if u in technicians]
        hosted = [facilities[f - 1] for f in home.facility_ids]
        for position, facility in enumerate(hosted):
            facility.manager_id = pool[position % len(pool)]
            facility.technician_ids = [
                t
                for k, t in enumerate(pool)
                if k % len(hosted) == position and t != facility.manager_id
            ]
            rows["facility_staff"].append((facility.id, facility.manager_id, "manager"))
            rows["facility_staff"].extend(
                (facility.id, t, "technician") for t in facility.technician_ids
            )
    rows["facility_staff"].sort()

    categories = [c for c, _, _ in CATEGORIES]
    category_weights = [w for _, _, w in CATEGORIES]
    techniques = {c: t for c, t, _ in CATEGORIES}
    rate_changes = [
        history_start,
        date(history_start.year + 1, 8, 1),
        date(history_start.year + 2, 8, 1),
    ]
    levels = [level for level, _ in ACCESS_LEVELS]
    level_weights = [weight for _, weight in ACCESS_LEVELS]
    hours_id = card_id = 0
    for instrument_id in range(1, n_instruments + 1):
        facility = facilities[(instrument_id - 1) % n_facilities]
        category = rng.choices(categories, category_weights)[0]
        approval = rng.random() < 0.2
        training = rng.random() < 0.35
        popularity = rng.paretovariate(1.3)
        access = rng.choices(levels, level_weights)[0]
        instrument = Instrument(
            instrument_id,
            facility.id,
            facility.institution_id,
            category,
            approval,
            training,
            popularity,
            access,
        )
        instruments.append(instrument)
        rows["instruments"].append(
            (
                instrument_id,
                facility.id,
                f"{category}-{instrument_id:06d}",
                f"{techniques[category]} {instrument_id}",
                category,
                techniques[category],
                f"A {techniques[category].lower()} instrument",
                "available",
                access.value,
                facility.approvers[0],
                30,
                30,
                480,
                0,
                90,
                approval,
                training,
                False,
                False,
                f"NAT-{instrument_id}",
                "equipment",
                created,
                created,
            )
        )
        for weekday in range(5):
            hours_id += 1
            rows["opening_hours"].append((hours_id, instrument_id, weekday, 540, 1020))
        base, technician = BASE_RATES.get(category, (4000, 3000))
        for step, valid_from in enumerate(rate_changes):
            rise = 1 + 0.04 * step
            for user_class, factor in CLASS_FACTORS.items():
                card_id += 1
                hourly = round(base * factor * rise)
                tech = round(technician * factor * rise)
                instrument.rates.setdefault(user_class, []).append((valid_from, hourly, tech))
                rows["rate_cards"].append(
                    (
                        card_id,
                        instrument_id,
                        user_class.value,
                        f"{hourly / 100:.2f}",
                        f"{tech / 100:.2f}",
                        "GBP",
                        valid_from,
                    )
                )
    partners = [i for i in institutions if i.partner]
    admitted = {  # as `equipshare check` (and the booking rules) judge access
        AccessLevel.INSTITUTION: [],
        AccessLevel.CONSORTIUM: partners,
        AccessLevel.EXTERNAL_ACADEMIC: [
            i for i in institutions if i.partner or i.sector is InstitutionSector.ACADEMIC
        ],
        AccessLevel.INDUSTRY: institutions,
    }
    return Nation(
        institutions, facilities, instruments, user_institution, rows, dict(COLUMNS), admitted
    )
