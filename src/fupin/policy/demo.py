"""The policy part of the demo town (`fupin loaddemo`): the baseline snapshot its targets are planned from.

The demo's registry was identified in 2015 (`demo_town.IDENTIFIED_YEAR`): its locked baseline snapshot
of that year is the registry as identified, 3,608 persons, so the targets page plans 1082 / 1082 / 1444.
The baseline is of the whole registry, taken as the administrator, read through the loader's own
connection (the load is one transaction). A locked snapshot never changes: a reload (`--reset`) keeps
the baseline there is.
"""

from __future__ import annotations

from fupin.batch import demo_town
from fupin.core.roles import Role

from .models import Snapshot
from .services import create_snapshot


def load(*, town, users, households, actor) -> None:
    year = demo_town.IDENTIFIED_YEAR
    if Snapshot.objects.filter(kind="baseline", year=year, area="", locked=True).exists():
        return
    create_snapshot(actor=users[Role.ADMIN], year=year, kind="baseline", lock=True)


def reset(*, town_code) -> None:
    """Nothing to remove: a locked baseline is kept for good."""
