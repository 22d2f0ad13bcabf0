"""prefix lookup indexes: usernames, display names and instrument codes completed as typed

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-12

Username and instrument fields complete as the user types, so each keystroke asks for the
first few usernames, display names or codes starting with the text, in any case. At
national scale (230,000 users, 50,000 instruments) a scan per keystroke is too slow, so
each column gets an index on its lower-cased value in byte order (PostgreSQL's "C"
collation, SQLite's default): every value starting with a prefix then lies in one range of
the index, read in order and stopped after the first few, whatever the database's own
collation.

SQLite cannot reflect an expression index, so a later batch rebuild of `users` or
`instruments` on SQLite drops these (as 0008's downgrade shows for 0006's): such a
revision must make them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, lower-cased column, columns that order its ties), as the models name them.
INDEXES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("ix_users_username_lower", "users", "username", ()),
    ("ix_users_display_name_lower", "users", "display_name", ("username",)),
    ("ix_instruments_code_lower", "instruments", "code", ()),
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, column, then in INDEXES:
        if postgres:
            keys = ", ".join((f'(lower({column}) COLLATE "C")', *then))
            op.execute(f"CREATE INDEX {name} ON {table} ({keys})")
        else:
            op.create_index(name, table, [sa.text(f"lower({column})"), *then])


def downgrade() -> None:
    for name, table, _column, _then in reversed(INDEXES):
        op.drop_index(name, table_name=table)
