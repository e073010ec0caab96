"""Advanced Opt-Out: the keywords a recipient texts to opt out, opt back in or ask for help.

Rules (docs/inbound.md):

* **Matching** is on the whole body, trimmed and compared without regard to case (Unicode
  ``casefold``): ``" stop "`` and ``"Stop"`` opt out, ``"stop please"`` and ``"STOP."`` do not.
* **Defaults** are Twilio's: opt-out STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT;
  opt-in START, YES, UNSTOP; help HELP, INFO; each with Twilio's default confirmation reply.
* A service may replace the keywords and replies of the default rule set, and add rule sets per
  **language** (``es``, ``fr``, …: their keywords are recognised in addition to the default ones,
  their replies answer them) and per **country** (ISO code of the recipient's number: its rule set is
  tried first and answers that country's recipients).
* **Scope**, as Twilio's: a recipient who opts out of a number in a Messaging Service's pool is opted
  out of the whole service; of a number in no service, of that number only. A message to them is
  refused with 21610 until they text an opt-in keyword.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from brandlink.core.common.errors import ErrorCode, TwilioError

MAX_KEYWORDS = 30
MAX_KEYWORD_CHARS = 30
MAX_REPLY_CHARS = 1600


class OptOutType(StrEnum):
    """What a keyword does; sent as the inbound webhook's ``OptOutType``."""

    STOP = "STOP"
    START = "START"
    HELP = "HELP"


DEFAULT_KEYWORDS: dict[OptOutType, tuple[str, ...]] = {
    OptOutType.STOP: ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
    OptOutType.START: ("START", "YES", "UNSTOP"),
    OptOutType.HELP: ("HELP", "INFO"),
}
DEFAULT_REPLIES: dict[OptOutType, str] = {
    OptOutType.STOP: (
        "You have successfully been unsubscribed. You will not receive any more messages from this number. "
        "Reply START to resubscribe."
    ),
    OptOutType.START: (
        "You have successfully been re-subscribed to messages from this number. "
        "Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply."
    ),
    OptOutType.HELP: "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
}


def normalize(text: str) -> str:
    """How a body and a keyword are compared: trimmed, case-folded."""
    return text.strip().casefold()


@dataclass(frozen=True)
class RuleSet:
    """Keywords and confirmation replies for one language or country (an empty reply sends none)."""

    keywords: Mapping[OptOutType, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_KEYWORDS))
    replies: Mapping[OptOutType, str] = field(default_factory=lambda: dict(DEFAULT_REPLIES))

    def match(self, body: str) -> OptOutType | None:
        wanted = normalize(body)
        if not wanted:
            return None
        for kind in OptOutType:
            if any(normalize(keyword) == wanted for keyword in self.keywords.get(kind, ())):
                return kind
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "keywords": {kind.value: list(self.keywords.get(kind, ())) for kind in OptOutType},
            "replies": {kind.value: self.replies.get(kind, "") for kind in OptOutType},
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RuleSet:
        keywords = raw.get("keywords") or {}
        replies = raw.get("replies") or {}
        return cls(
            keywords={kind: tuple(keywords.get(kind.value, ())) for kind in OptOutType},
            replies={kind: str(replies.get(kind.value, "")) for kind in OptOutType},
        )


@dataclass(frozen=True)
class OptOutSettings:
    """A service's Advanced Opt-Out configuration: a default rule set plus language and country ones."""

    default: RuleSet = field(default_factory=RuleSet)
    languages: Mapping[str, RuleSet] = field(default_factory=dict)  # "es" → rules
    countries: Mapping[str, RuleSet] = field(default_factory=dict)  # "MX" → rules

    def match(self, body: str, country: str | None = None) -> tuple[OptOutType, RuleSet] | None:
        """The keyword's kind and the rule set that answers it: the recipient's country first, then
        the default rules, then each language (alphabetically); None when the body is no keyword."""
        ordered: list[RuleSet] = []
        if country and country.upper() in self.countries:
            ordered.append(self.countries[country.upper()])
        ordered.append(self.default)
        ordered.extend(self.languages[code] for code in sorted(self.languages))
        for rules in ordered:
            kind = rules.match(body)
            if kind is not None:
                return kind, rules
        return None

    def with_rules(self, rules: RuleSet, *, language: str | None = None, country: str | None = None) -> OptOutSettings:
        if language:
            return replace(self, languages={**self.languages, language.lower(): rules})
        if country:
            return replace(self, countries={**self.countries, country.upper(): rules})
        return replace(self, default=rules)

    def rules_for(self, *, language: str | None = None, country: str | None = None) -> RuleSet | None:
        if language:
            return self.languages.get(language.lower())
        if country:
            return self.countries.get(country.upper())
        return self.default

    def without(self, *, language: str | None = None, country: str | None = None) -> OptOutSettings:
        if language:
            return replace(self, languages={k: v for k, v in self.languages.items() if k != language.lower()})
        if country:
            return replace(self, countries={k: v for k, v in self.countries.items() if k != country.upper()})
        return replace(self, default=RuleSet())

    def to_dict(self) -> dict[str, Any]:
        return {
            "default": self.default.to_dict(),
            "languages": {code: rules.to_dict() for code, rules in sorted(self.languages.items())},
            "countries": {code: rules.to_dict() for code, rules in sorted(self.countries.items())},
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> OptOutSettings:
        if not raw:
            return cls()
        return cls(
            default=RuleSet.from_dict(raw.get("default") or {}) if raw.get("default") else RuleSet(),
            languages={str(k): RuleSet.from_dict(v) for k, v in (raw.get("languages") or {}).items()},
            countries={str(k): RuleSet.from_dict(v) for k, v in (raw.get("countries") or {}).items()},
        )


def opt_out_scope(service_sid: str | None, sender_address: str) -> str:
    """Where an opt-out applies: the whole Messaging Service, else the one sender."""
    return service_sid or sender_address


def recipient_key(address: str) -> str:
    """A recipient as opt-outs store it: the number without a channel prefix (``whatsapp:``)."""
    return address.rpartition(":")[2].strip()


class OptOutRegistry(Protocol):
    """Who opted out of what (``store/inbound.py``)."""

    def is_opted_out(self, scope: str, recipient: str) -> bool: ...

    def opt_out(self, scope: str, recipient: str, account_sid: str) -> None: ...

    def opt_in(self, scope: str, recipient: str) -> None: ...


class OptOutSettingsStore(Protocol):
    def get(self, service_sid: str) -> OptOutSettings:
        """The service's settings, Twilio's defaults when it never set any."""
        ...

    def save(self, service_sid: str, account_sid: str, settings: OptOutSettings) -> None: ...


def first_opted_out(registry: OptOutRegistry, scopes: Iterable[str], recipient: str) -> str | None:
    """The first scope in which ``recipient`` opted out, or None."""
    key = recipient_key(recipient)
    return next((scope for scope in scopes if registry.is_opted_out(scope, key)), None)


def refuse_opted_out(
    registry: OptOutRegistry | None,
    pool_of: Callable[[str], Iterable[str | None]],
    *,
    to: str,
    from_: str | None,
    service_sid: str | None,
) -> None:
    """Raise 21610 when ``to`` opted out of the message's service or sender (checked at create).

    ``pool_of(from_)`` gives the services whose pool holds the ``From`` sender: opting out of a
    number in a pool opts out of the service, so a message from that number is refused too.
    """
    if registry is None:
        return
    scopes: list[str] = [service_sid] if service_sid else []
    if from_:
        scopes.extend(sid for sid in pool_of(from_) if sid)
        scopes.append(from_)
    if first_opted_out(registry, dict.fromkeys(scopes), to) is not None:
        raise TwilioError(
            ErrorCode.OPTED_OUT,
            f"{to} has opted out of messages from this sender (they texted STOP): a message can be sent "
            "again once they reply START.",
        )
