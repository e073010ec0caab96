"""The sender commands of ``brandlink``: which account may send from a number, short code or
alphanumeric ID (security finding 1). An operator assigns and releases; each function returns what
the command prints as JSON, and a refusal raises ``SenderCommandError`` with the sentence to show."""

from __future__ import annotations

from typing import Any


class SenderCommandError(Exception):
    """The command was refused; the message says why and what to do."""


def _parse(number: str | None, short_code: str | None, country: str | None) -> tuple[str, str, str | None]:
    """``(kind, address, country)`` from the command's arguments, checked like the API checks them."""
    from brandlink.core.common.errors import TwilioError
    from brandlink.core.senders.numbers import parse_country_code, parse_phone_sender, parse_short_code

    try:
        if short_code is not None:
            if number is not None:
                raise SenderCommandError("Give a number or --short-code, not both.")
            return "short_code", parse_short_code(short_code, "--short-code"), parse_country_code(country, "--country")
        if number is None:
            raise SenderCommandError("Give the number (+14155552671) or --short-code DIGITS --country CC.")
        _kind, address, _number = parse_phone_sender(number, "the number")
        return "phone_number", address.removeprefix("whatsapp:"), None
    except TwilioError as exc:
        raise SenderCommandError(exc.message) from None


def _ports() -> tuple[Any, Any]:
    from brandlink import wiring

    return wiring.sender_claims(), wiring.senders()


def _existing_account(account_sid: str) -> None:
    from brandlink import wiring

    if wiring.accounts().get(account_sid) is None:
        raise SenderCommandError(f"Account {account_sid} not found: list-accounts shows the accounts there are.")


def assign_sender(account_sid: str, number: str | None, short_code: str | None, country: str | None) -> dict[str, Any]:
    from brandlink.core.senders import ownership
    from brandlink.core.senders.claims import ClaimHeld

    kind, address, country_code = _parse(number, short_code, country)
    _existing_account(account_sid)
    claims, senders = _ports()
    try:
        done = ownership.assign(claims, senders, account_sid, kind, address, country_code)  # type: ignore[arg-type]
    except ClaimHeld as held:
        raise SenderCommandError(
            f"{done_address(kind, address, country_code)} is held by {held.holder}: release it first "
            "(brandlink release-sender) if it no longer belongs there."
        ) from None
    return {
        "address": done.claim.address,
        "account_sid": done.claim.account_sid,
        "source": done.claim.source,
        "activated": list(done.activated),
    }


def done_address(kind: str, address: str, country_code: str | None) -> str:
    return f"Short code {address} ({country_code})" if kind == "short_code" else address


def release_sender(number: str | None, short_code: str | None, country: str | None) -> dict[str, Any]:
    from brandlink.core.senders import ownership

    kind, address, country_code = _parse(number, short_code, country)
    claims, senders = _ports()
    claim, removed = ownership.release(claims, senders, kind, address, country_code)  # type: ignore[arg-type]
    if claim is None:
        raise SenderCommandError(f"{done_address(kind, address, country_code)} is not assigned to any account.")
    return {"address": claim.address, "released_from": claim.account_sid, "removed_senders": list(removed)}


def allow_alpha(account_sid: str, text: str, remove: bool) -> dict[str, Any]:
    from brandlink.core.common.errors import TwilioError
    from brandlink.core.senders import ownership
    from brandlink.core.senders.numbers import parse_alpha_sender

    try:
        alpha = parse_alpha_sender(text)
    except TwilioError as exc:
        raise SenderCommandError(exc.message) from None
    _existing_account(account_sid)
    claims, senders = _ports()
    if remove:
        removed = ownership.disallow_alpha(claims, senders, account_sid, alpha)
        return {"account_sid": account_sid, "removed": alpha, "removed_from_pools": list(removed)}
    claims.allow_alpha(account_sid, alpha)
    return {"account_sid": account_sid, "allowed": claims.allowed_alphas(account_sid)}


def migrate_senders(dry_run: bool) -> list[dict[str, Any]]:
    from brandlink.core.senders import ownership

    claims, senders = _ports()
    rows = ownership.migrate(claims, senders, apply=not dry_run)
    return [
        {
            "sender_sid": row.sender_sid,
            "account_sid": row.account_sid,
            "address": row.address,
            "outcome": row.outcome,
            **({"held_by": row.holder} if row.holder else {}),
        }
        for row in rows
    ]
