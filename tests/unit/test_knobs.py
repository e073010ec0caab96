"""The knob table: each setting declared once, read by brandlink.config through it, and documented."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from brandlink import knobs
from brandlink.config import KNOB_FIELDS, Settings, load_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_each_knob_is_declared_once() -> None:
    for attribute in ("field", "env", "context"):
        names = [getattr(knob, attribute) for knob in knobs.KNOBS if getattr(knob, attribute)]
        assert len(names) == len(set(names)), attribute
    assert all(knob.doc and (knob.env or knob.context) for knob in knobs.KNOBS)


def test_the_functions_settings_are_exactly_the_knobs_with_a_variable() -> None:
    assert set(KNOB_FIELDS) == {knob.field for knob in knobs.ENV_KNOBS}
    assert {field.name for field in fields(Settings)} - set(KNOB_FIELDS) == {"tables", "queue_urls"}


def test_every_default_is_a_value_its_parser_accepts() -> None:
    for knob in knobs.KNOBS:
        if knob.default is not None:
            assert knob.parse(knob.default) == knob.default, knob.field
            assert knob.parse(knob.parse.render(knob.default)) == knob.default, knob.field  # type: ignore[arg-type]


def test_unset_variables_give_the_defaults() -> None:
    settings = load_settings({})
    for knob in knobs.ENV_KNOBS:
        assert getattr(settings, knob.field) == knob.default, knob.field


def test_variables_are_parsed_by_their_knob() -> None:
    settings = load_settings(
        {
            "BRANDLINK_SCHEDULED_CAP": " 25 ",
            "BRANDLINK_PROVIDER": "SNS",
            "BRANDLINK_ALPHA_SENDER_COUNTRIES": "gb, de,FR",
            "BRANDLINK_PROVIDER_CONFIG": '{"b": 1, "a": 2}',
            "AWS_DEFAULT_REGION": "eu-west-1",
            "BRANDLINK_REDIRECT_TARGET": "",
        }
    )
    assert (settings.scheduled_cap, settings.provider) == (25, "sns")
    assert settings.alpha_sender_countries == ("GB", "DE", "FR")
    assert settings.provider_config == '{"a":2,"b":1}'
    assert settings.region == "eu-west-1"
    assert settings.redirect_target is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BRANDLINK_SCHEDULED_CAP": "many"}, "Environment variable BRANDLINK_SCHEDULED_CAP must be a whole number"),
        ({"BRANDLINK_SCHEDULED_CAP": "0"}, "BRANDLINK_SCHEDULED_CAP must be between 1 and 1000000, got 0."),
        ({"BRANDLINK_PROVIDER": "pigeon"}, "BRANDLINK_PROVIDER must be one of outbox, sms, sns, twilio, webhook"),
        ({"BRANDLINK_PROVIDER_CONFIG": "[1]"}, "BRANDLINK_PROVIDER_CONFIG must be a JSON object"),
        ({"BRANDLINK_ALPHA_SENDER_COUNTRIES": "GBR"}, "must be comma-separated ISO country codes"),
    ],
)
def test_a_bad_variable_is_refused_with_its_name(env: dict[str, str], message: str) -> None:
    with pytest.raises(RuntimeError, match=re.escape(message)):
        load_settings(env)


def test_every_knob_is_on_the_configuration_page() -> None:
    page = DOCS.read_text()
    rows = {match.group(1): match.group(0) for match in re.finditer(r"^\| `(\w+)` \|[^\n]*$", page, re.M)}
    for knob in knobs.CONTEXT_KNOBS:
        assert knob.context in rows, f"docs/configuration.md has no row for {knob.context}"
        row = rows[knob.context]
        default = "—" if knob.default is None else f"`{knob.default}`"
        assert f"| {default}" in row, f"docs/configuration.md shows another default for {knob.context}"
        if knob.env:
            assert f"`{knob.env}`" in row, f"docs/configuration.md does not say {knob.context} becomes {knob.env}"
    for knob in knobs.ENV_KNOBS:
        assert f"`{knob.env}`" in page, f"docs/configuration.md does not mention {knob.env}"
