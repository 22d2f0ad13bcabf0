"""The few columns the first catalogue page reads, as Core tables that need no ORM.

A launch of the terminal app paints its first catalogue rows without an ORM statement:
no mapper configuration and no ORM compilation before the first frame (with the models'
import, about as much as Textual's whole start). The page and the acting user are read
from these lightweight tables instead; each column has the type its model gives it, so rows decode
alike, and tests/db/test_start_tables.py holds them to the models.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, column, table

from equipshare.db.column_types import enum_column_type
from equipshare.domain.enums import (
    AccessLevel,
    InstitutionSector,
    InstrumentStatus,
    Role,
    StaffRole,
)

INSTITUTIONS = table(
    "institutions",
    column("id", Integer),
    column("code", String(32)),
    column("name", String(200)),
    column("sector", enum_column_type(InstitutionSector)),
    column("is_partner", Boolean),
)
FACILITIES = table(
    "facilities",
    column("id", Integer),
    column("institution_id", Integer),
    column("code", String(64)),
    column("name", String(200)),
)
USERS = table(
    "users",
    column("id", Integer),
    column("username", String(64)),
    column("display_name", String(200)),
    column("email", String(320)),
    column("institution_id", Integer),
    column("role", enum_column_type(Role)),
    column("active", Boolean),
)
FACILITY_STAFF = table(
    "facility_staff",
    column("facility_id", Integer),
    column("user_id", Integer),
    column("role", enum_column_type(StaffRole)),
)
INSTRUMENTS = table(
    "instruments",
    column("id", Integer),
    column("facility_id", Integer),
    column("code", String(64)),
    column("name", String(200)),
    column("category", String(100)),
    column("manufacturer", String(200)),
    column("model", String(200)),
    column("status", enum_column_type(InstrumentStatus)),
    column("access_level", enum_column_type(AccessLevel)),
)
#: Every table above, for the test that holds them to the models.
START_TABLES = (INSTITUTIONS, FACILITIES, USERS, FACILITY_STAFF, INSTRUMENTS)
