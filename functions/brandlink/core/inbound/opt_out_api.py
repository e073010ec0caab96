"""``/v1/Services/{MG}/OptOut`` (Brandlink's addition): a service's Advanced Opt-Out settings.

``POST`` changes one rule set — the default one, or the one of ``Language`` (``es``) or ``Country``
(``MX``) — with ``StopKeywords``/``StartKeywords``/``HelpKeywords`` (comma-separated, each replacing
that list) and ``StopReply``/``StartReply``/``HelpReply`` (empty: no confirmation); a parameter left
out keeps its value (a new language or country set starts from Twilio's defaults). ``Remove=true``
deletes the language or country set, or puts the default set back to Twilio's.
"""

from __future__ import annotations

import re
from typing import Any

from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.inbound.opt_out import (
    MAX_KEYWORD_CHARS,
    MAX_KEYWORDS,
    MAX_REPLY_CHARS,
    OptOutSettings,
    OptOutSettingsStore,
    OptOutType,
    RuleSet,
    normalize,
)
from brandlink.core.services.model import MessagingService

_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}$")
_COUNTRY = re.compile(r"^[a-zA-Z]{2}$")
KEYWORD_PARAMS = {OptOutType.STOP: "StopKeywords", OptOutType.START: "StartKeywords", OptOutType.HELP: "HelpKeywords"}
REPLY_PARAMS = {OptOutType.STOP: "StopReply", OptOutType.START: "StartReply", OptOutType.HELP: "HelpReply"}


def opt_out_resource(service: MessagingService, settings: OptOutSettings, base_url: str) -> dict[str, Any]:
    return {
        "account_sid": service.account_sid,
        "messaging_service_sid": service.sid,
        **settings.to_dict(),
        "url": f"{base_url}/v1/Services/{service.sid}/OptOut",
    }


def update_opt_out(store: OptOutSettingsStore, service: MessagingService, form: Form) -> OptOutSettings:
    language, country = _optional(form, "Language", _LANGUAGE), _optional(form, "Country", _COUNTRY)
    if language and country:
        raise TwilioError.invalid_parameter("Country", "give either Language or Country, not both.")
    settings = store.get(service.sid)
    if (form.get("Remove") or "").strip().lower() == "true":
        updated = settings.without(language=language, country=country)
    else:
        current = settings.rules_for(language=language, country=country) or RuleSet()
        updated = settings.with_rules(_changed(current, form), language=language, country=country)
    store.save(service.sid, service.account_sid, updated)
    return updated


def _optional(form: Form, name: str, pattern: re.Pattern[str]) -> str | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    if not pattern.match(raw):
        what = "a 2 or 3 letter language code such as es" if name == "Language" else "an ISO country code such as MX"
        raise TwilioError.invalid_parameter(name, f"expected {what}, got {raw!r}.")
    return raw


def _changed(rules: RuleSet, form: Form) -> RuleSet:
    keywords = dict(rules.keywords)
    replies = dict(rules.replies)
    for kind, name in KEYWORD_PARAMS.items():
        raw = form.get(name)
        if raw is not None:
            keywords[kind] = _keywords(name, raw)
    for kind, name in REPLY_PARAMS.items():
        raw = form.get(name)
        if raw is not None:
            if len(raw) > MAX_REPLY_CHARS:
                raise TwilioError.invalid_parameter(name, f"at most {MAX_REPLY_CHARS} characters.")
            replies[kind] = raw.strip()
    seen: dict[str, OptOutType] = {}
    for kind in OptOutType:
        for keyword in keywords.get(kind, ()):
            other = seen.setdefault(normalize(keyword), kind)
            if other is not kind:
                raise TwilioError.invalid_parameter(
                    KEYWORD_PARAMS[kind], f"{keyword!r} is already a {other.value} keyword: a keyword has one meaning."
                )
    return RuleSet(keywords=keywords, replies=replies)


def _keywords(name: str, raw: str) -> tuple[str, ...]:
    words = [word.strip() for word in raw.split(",") if word.strip()]
    if len(words) > MAX_KEYWORDS:
        raise TwilioError.invalid_parameter(name, f"at most {MAX_KEYWORDS} keywords.")
    for word in words:
        if len(word) > MAX_KEYWORD_CHARS or any(ch.isspace() for ch in word):
            raise TwilioError.invalid_parameter(
                name, f"{word!r}: a keyword is one word of at most {MAX_KEYWORD_CHARS} characters."
            )
    return tuple(dict.fromkeys(word.upper() for word in words))
