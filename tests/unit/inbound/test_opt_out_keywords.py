"""Advanced Opt-Out keyword rules: whole body, trimmed, case-insensitive; languages and countries."""

from __future__ import annotations

import pytest

from brandlink.core.common.errors import TwilioError
from brandlink.core.inbound.opt_out import (
    DEFAULT_REPLIES,
    OptOutSettings,
    OptOutType,
    RuleSet,
    recipient_key,
    refuse_opted_out,
)

STOP, START, HELP = OptOutType.STOP, OptOutType.START, OptOutType.HELP

SPANISH = RuleSet(
    keywords={STOP: ("PARAR", "BAJA"), START: ("ALTA",), HELP: ("AYUDA",)},
    replies={STOP: "Baja confirmada.", START: "Alta confirmada.", HELP: "Responda BAJA para darse de baja."},
)
MEXICO = RuleSet(
    keywords={STOP: ("STOP", "ALTO"), START: ("START",), HELP: ("HELP",)},
    replies={STOP: "MX: baja.", START: "MX: alta.", HELP: ""},
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", STOP),
        ("stop", STOP),
        ("  Stop\n", STOP),
        ("\tUNSUBSCRIBE ", STOP),
        ("stopall", STOP),
        ("Cancel", STOP),
        ("end", STOP),
        ("quit", STOP),
        ("revoke", STOP),
        ("OptOut", STOP),
        ("START", START),
        ("yes", START),
        ("Unstop", START),
        ("help", HELP),
        (" INFO ", HELP),
        ("stop please", None),
        ("STOP.", None),
        ("please stop", None),
        ("S T O P", None),
        ("", None),
        ("   ", None),
        ("hello", None),
    ],
)
def test_default_keywords_match_the_whole_trimmed_body_in_any_case(body: str, expected: OptOutType | None) -> None:
    matched = OptOutSettings().match(body)
    assert (matched[0] if matched else None) == expected


@pytest.mark.parametrize(
    ("body", "country", "kind", "reply"),
    [
        ("baja", None, STOP, "Baja confirmada."),
        (" PARAR ", None, STOP, "Baja confirmada."),
        ("Ayuda", None, HELP, "Responda BAJA para darse de baja."),
        ("stop", None, STOP, DEFAULT_REPLIES[STOP]),  # the default rules still apply
        ("stop", "MX", STOP, "MX: baja."),  # the recipient's country answers first
        ("alto", "MX", STOP, "MX: baja."),
        ("alto", "US", None, None),  # another country's keyword does nothing elsewhere
        ("help", "MX", HELP, ""),  # an empty reply: no confirmation is sent
    ],
)
def test_language_and_country_rule_sets(body: str, country: str | None, kind: OptOutType | None, reply: str) -> None:
    settings = OptOutSettings().with_rules(SPANISH, language="es").with_rules(MEXICO, country="mx")
    matched = settings.match(body, country)
    if kind is None:
        assert matched is None
        return
    assert matched is not None
    assert matched[0] == kind
    assert matched[1].replies[kind] == reply


def test_replaced_default_keywords_no_longer_include_twilio_s() -> None:
    custom = RuleSet(keywords={STOP: ("ENOUGH",), START: ("AGAIN",), HELP: ()}, replies={STOP: "bye"})
    settings = OptOutSettings().with_rules(custom)
    assert settings.match("enough") == (STOP, custom)
    assert settings.match("stop") is None


def test_settings_survive_their_json_form() -> None:
    settings = OptOutSettings().with_rules(SPANISH, language="ES").with_rules(MEXICO, country="mx")
    again = OptOutSettings.from_dict(settings.to_dict())
    assert again.to_dict() == settings.to_dict()
    assert set(again.languages) == {"es"} and set(again.countries) == {"MX"}


class _Registry:
    def __init__(self, *opted: tuple[str, str]) -> None:
        self.opted = set(opted)

    def is_opted_out(self, scope: str, recipient: str) -> bool:
        return (scope, recipient) in self.opted

    def opt_out(self, scope: str, recipient: str, account_sid: str) -> None:
        self.opted.add((scope, recipient))

    def opt_in(self, scope: str, recipient: str) -> None:
        self.opted.discard((scope, recipient))


@pytest.mark.parametrize(
    ("opted_scope", "to", "from_", "service", "refused"),
    [
        ("MG1", "+15550001", None, "MG1", True),
        ("MG1", "+15550001", None, "MG2", False),
        ("MG1", "+15550001", "+15559999", None, True),  # From is in MG1's pool: opted out of the service
        ("+15559999", "+15550001", "+15559999", None, True),  # a number in no service
        ("+15559999", "whatsapp:+15550001", "whatsapp:+15559999", None, False),  # its own channel scope
        ("+15558888", "+15550001", "+15559999", None, False),
    ],
)
def test_21610_for_a_recipient_opted_out_of_the_service_or_sender(
    opted_scope: str, to: str, from_: str | None, service: str | None, refused: bool
) -> None:
    registry = _Registry((opted_scope, "+15550001"))
    pools = {"+15559999": ["MG1"]} if opted_scope == "MG1" else {}
    call = lambda: refuse_opted_out(  # noqa: E731
        registry, lambda a: pools.get(a, [None]), to=to, from_=from_, service_sid=service
    )
    if refused:
        with pytest.raises(TwilioError) as caught:
            call()
        assert caught.value.code == 21610
        assert "START" in caught.value.message
    else:
        call()


def test_recipient_key_drops_the_channel_prefix() -> None:
    assert recipient_key("whatsapp:+15550001") == recipient_key(" +15550001") == "+15550001"
