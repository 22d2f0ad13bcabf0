"""`equipshare report ...`: recharge statements and impact reports, for people and finance files.

Each subcommand lives in its own module and is added here, so the group's --help lists them.
"""

from __future__ import annotations

import click

from equipshare.cli.billing.report_charges import charges
from equipshare.cli.billing.report_portfolio import portfolio
from equipshare.cli.billing.report_sharing import sharing
from equipshare.cli.billing.report_usage import demand, technicians, utilisation


@click.group("report")
def report_group() -> None:
    """Recharge statements between institutions, and impact reports on sharing and work.

    \b
    Examples:
      equipshare report charges --month 2026-03 --format csv > march.csv
      equipshare report sharing --from 2025-08-01 --to 2026-07-31
      equipshare report utilisation --period last-12-months
      equipshare report portfolio t.jones --period academic-year --format markdown
    """


report_group.add_command(charges)
for command in (utilisation, sharing, technicians, demand, portfolio):
    report_group.add_command(command)
