"""The operator's side of sender ownership (``brandlink assign-sender``, ``release-sender``,
``allow-alpha``, ``migrate-senders``): who holds which address, and what follows from a change."""

from __future__ import annotations

from dataclasses import dataclass

from brandlink.core.common.dates import utcnow
from brandlink.core.senders.claims import ClaimHeld, ClaimKind, SenderClaim, SenderClaims, alpha_key, claim_address
from brandlink.core.senders.model import PENDING
from brandlink.core.senders.repository import SenderRepository


@dataclass(frozen=True)
class Assignment:
    claim: SenderClaim
    activated: tuple[str, ...]  # pending registrations of the account now in use


def assign(
    claims: SenderClaims,
    repo: SenderRepository,
    account_sid: str,
    kind: ClaimKind,
    address: str,
    country_code: str | None = None,
) -> Assignment:
    """Give ``address`` to the account (``ClaimHeld`` when another account holds it); the account's
    pending registrations of it are put in use."""
    key = claim_address(kind, address, country_code)
    claim = claims.assign(SenderClaim(key, account_sid, kind, "operator", utcnow()))
    activated = []
    for variant in _addresses(kind, address):
        for sender in repo.find_by_address(account_sid, variant):
            matches = sender.status == PENDING and _same_claim(sender.kind, sender.address, sender.country_code, key)
            if matches and repo.mark_in_use(account_sid, sender.sid):
                activated.append(sender.sid)
    return Assignment(claim, tuple(activated))


def release(
    claims: SenderClaims, repo: SenderRepository, kind: ClaimKind, address: str, country_code: str | None = None
) -> tuple[SenderClaim | None, tuple[str, ...]]:
    """Take ``address`` from its holder: the claim goes, and so do the holder's registrations of it
    (with their pool entries), so nothing of that account can send from it any more."""
    key = claim_address(kind, address, country_code)
    claim = claims.get(key)
    removed: list[str] = []
    if claim is not None:
        for variant in _addresses(kind, address):
            for sender in repo.find_by_address(claim.account_sid, variant):
                owned = sender.sid.startswith(("PN", "SC"))
                matches = owned and _same_claim(sender.kind, sender.address, sender.country_code, key)
                if matches and repo.delete_owned(claim.account_sid, sender.sid):
                    removed.append(sender.sid)
    return claims.release(key), tuple(removed)


def disallow_alpha(claims: SenderClaims, repo: SenderRepository, account_sid: str, text: str) -> tuple[str, ...]:
    """Take the ID off the account's allow-list and out of its pools."""
    claims.disallow_alpha(account_sid, text)
    removed = []
    for entry in repo.alpha_entries(account_sid):
        matches = alpha_key(entry.address) == alpha_key(text) and entry.service_sid
        if matches and entry.service_sid and repo.remove_from_pool(entry.service_sid, entry.sid):
            removed.append(entry.sid)
    return tuple(removed)


@dataclass(frozen=True)
class SenderMigration:
    sender_sid: str
    account_sid: str
    address: str
    outcome: str  # claimed | already_held | conflict | pending | alpha_allowed | alpha_not_allowed
    holder: str | None = None


def migrate(claims: SenderClaims, repo: SenderRepository, *, apply: bool) -> list[SenderMigration]:
    """Bring the senders of a deployment from before sender claims under them.

    Registrations are claimed first-come, by creation date: the oldest registration of an address
    gets its claim; a later registration of the same address by another account is a ``conflict``:
    taken out of use (``pending``, out of its pool) so it can no longer send. An alphanumeric ID in a
    pool that is not on its account's allow-list is taken out of the pool (``alpha_not_allowed``):
    run ``brandlink allow-alpha`` first for the ones to keep. With ``apply=False`` nothing is
    written and the rows say what would happen. Running it again changes nothing.
    """
    report: list[SenderMigration] = []
    now = utcnow()
    holders: dict[str, str] = {}  # claim key -> holder, as this run has found or made them
    for sender in sorted(repo.owned_senders(), key=lambda s: (s.date_created, s.sid)):
        key = claim_address(sender.kind, sender.address, sender.country_code)
        kind: ClaimKind = "short_code" if sender.kind == "short_code" else "phone_number"
        if sender.status == PENDING:
            report.append(SenderMigration(sender.sid, sender.account_sid, key, "pending"))
            continue
        holder = holders.get(key)
        if holder is None:
            claim = claims.get(key)
            holder = claim.account_sid if claim is not None else None
        if holder is None:
            try:
                if apply:
                    claims.assign(SenderClaim(key, sender.account_sid, kind, "migration", now))
                holders[key] = sender.account_sid
                report.append(SenderMigration(sender.sid, sender.account_sid, key, "claimed"))
                continue
            except ClaimHeld as held:  # claimed by someone else since it was read
                holder = held.holder
        holders[key] = holder
        if holder == sender.account_sid:
            report.append(SenderMigration(sender.sid, sender.account_sid, key, "already_held"))
            continue
        if apply:
            repo.mark_pending(sender.account_sid, sender.sid)
        report.append(SenderMigration(sender.sid, sender.account_sid, key, "conflict", holder))
    for entry in repo.alpha_entries():
        allowed = claims.alpha_allowed(entry.account_sid, entry.address)
        if not allowed and apply and entry.service_sid:
            repo.remove_from_pool(entry.service_sid, entry.sid)
        outcome = "alpha_allowed" if allowed else "alpha_not_allowed"
        report.append(SenderMigration(entry.sid, entry.account_sid, entry.address, outcome))
    return report


def _addresses(kind: ClaimKind, address: str) -> tuple[str, ...]:
    """The sender addresses one claim covers: a number's SMS and WhatsApp senders, or the short code."""
    if kind == "short_code":
        return (address,)
    e164 = claim_address("phone_number", address)
    return (e164, f"whatsapp:{e164}")


def _same_claim(kind: str, address: str, country_code: str | None, key: str) -> bool:
    return claim_address(kind, address, country_code) == key
