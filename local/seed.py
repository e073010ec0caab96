"""Demo data for `make run`: the seeders, run in list order after the bootstrap account exists.

Each seeder takes a ``local.seeding.SeedContext`` and creates what it wants (through the HTTP API or
the stores); see ``local.seeding`` for the contract.
"""

from __future__ import annotations

from local.demo import seed_link_shortening_demo
from local.seeding import Seeder

SEEDERS: list[Seeder] = [seed_link_shortening_demo]
