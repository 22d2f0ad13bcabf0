"""The catalogue's first page, and who is asking, are read with Core, not through the ORM
(issue 22)."""

from __future__ import annotations

import subprocess
import sys

from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.services.catalogue.search import CatalogueService
from equipshare.services.plumbing.context import ServiceContext
from tests.support.world import World

READ = """
import sys
from equipshare.config import Settings
from equipshare.domain.records.instruments.catalogue import CatalogueQuery
from equipshare.services.catalogue.service import CatalogueService
from equipshare.services.identity.service import IdentityService
from equipshare.services.plumbing.context import ServiceContext

context = ServiceContext.open(Settings().with_database_url({url!r}))
actor = IdentityService(context).acting_username("alice", None)
catalogue = CatalogueService(context)
page = catalogue.page(actor, CatalogueQuery(), limit=2)
catalogue.count(actor, CatalogueQuery(search="xps"))
catalogue.filters(actor)
print("ROWS", *(row.code for row in page.rows))
print("ORM", "equipshare.services.plumbing.row_records" in sys.modules)
"""


def test_a_launch_reads_the_first_page_with_core(
    context: ServiceContext, database_url: str, world: World
) -> None:
    expected = CatalogueService(context).page("alice", CatalogueQuery(), limit=2)
    code = READ.format(url=database_url)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines["ROWS"].split() == [row.code for row in expected.rows]
    assert lines["ORM"] == "False"  # no ORM read path was loaded for it
