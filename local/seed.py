"""Demo data for `make run`: each seeder gets the running stack and the bootstrap account's
credentials, creates what it wants (through the HTTP API or the stores), and returns labelled
values to print, e.g. ``{"Messaging service": "MG..."}``. Seeders run in list order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from local.demo import seed_link_shortening_demo


@dataclass(frozen=True)
class SeedContext:
    api_url: str
    redirect_url: str
    account_sid: str
    auth_token: str


Seeder = Callable[[SeedContext], dict[str, str]]

SEEDERS: list[Seeder] = [seed_link_shortening_demo]
