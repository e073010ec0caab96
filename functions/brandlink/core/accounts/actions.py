"""What can be done with accounts: create (operator), authenticate (every request), rotate the token,
migrate tokens of older deployments (operator), rename (the API), change the status and the abuse
limits (operator)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from brandlink.core.accounts import tokens
from brandlink.core.accounts.limits import AccountLimits
from brandlink.core.accounts.model import ACCOUNT_STATUSES, MIN_RETENTION_DAYS, Account
from brandlink.core.accounts.repository import AccountRepository
from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import MAX_FRIENDLY_NAME, Form
from brandlink.core.common.paging import Listing, Page, PageRequest, PageSigner


def create_account(
    repo: AccountRepository,
    vault: tokens.TokenVault,
    friendly_name: str | None = None,
    retention_days: int | None = None,
) -> tuple[Account, str]:
    """Create an account with a random token (hashed and sealed); returns it and the token, shown this once."""
    if retention_days is not None and retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention must be at least {MIN_RETENTION_DAYS} days")
    sid = sids.new_sid("AC")
    token = tokens.new_auth_token()
    salt, digest = tokens.hash_token(token)
    now = utcnow()
    account = Account(
        sid=sid,
        friendly_name=friendly_name or f"Brandlink account {sid[-8:]}",
        status="active",
        token_salt=salt,
        token_hash=digest,
        date_created=now,
        date_updated=now,
        retention_days=retention_days,
        token_version=1,
        token_sealed=vault.seal(sid, token),
    )
    repo.add(account)
    return account, token


def rotate_token(repo: AccountRepository, vault: tokens.TokenVault, sid: str) -> str:
    """Replace the account's token: the hash (login) and the sealed copy (signing) change in one
    conditional write, so the old token stops working and stops signing at the same moment."""
    for _attempt in range(3):
        account = repo.get(sid)
        if account is None:
            raise TwilioError.not_found(f"Account {sid}")
        token = tokens.new_auth_token()
        salt, digest = tokens.hash_token(token)
        rotated = replace(
            account,
            token_salt=salt,
            token_hash=digest,
            token_version=account.token_version + 1,
            token_sealed=vault.seal(sid, token),
            date_updated=utcnow(),
        )
        if repo.save_token(rotated, expected_version=account.token_version):
            return token
    raise TwilioError(ErrorCode.INTERNAL_ERROR, f"The token of {sid} kept changing while it was rotated: try again.")


@dataclass(frozen=True)
class TokenMigration:
    """What ``migrate_tokens`` did with one account."""

    account_sid: str
    outcome: str  # sealed | already_sealed | hash_mismatch | changed
    detail: str = ""


def migrate_tokens(repo: AccountRepository, vault: tokens.TokenVault, master_key: bytes) -> list[TokenMigration]:
    """Seal the current token of every account created when tokens were derived from ``master_key``.

    The token is derived as the old deployment did (``derive_auth_token``) and checked against the
    stored hash before it is sealed, so a wrong master key seals nothing. Re-running is harmless:
    accounts already sealed are skipped. Afterwards nothing needs the master key any more.
    """
    report: list[TokenMigration] = []
    for account in repo.list_all():
        if account.token_sealed:
            report.append(TokenMigration(account.sid, "already_sealed"))
            continue
        token = tokens.derive_auth_token(master_key, account.sid, account.token_version)
        if not tokens.token_matches(token, account.token_salt, account.token_hash):
            report.append(
                TokenMigration(
                    account.sid,
                    "hash_mismatch",
                    "the master key does not give this account's token: check the secret, or rotate the token",
                )
            )
            continue
        if repo.seal_legacy_token(account.sid, account.token_version, vault.seal(account.sid, token)):
            report.append(TokenMigration(account.sid, "sealed"))
        else:
            report.append(TokenMigration(account.sid, "changed", "rotated or sealed meanwhile: nothing to do"))
    return report


# A fixed dummy hash lets a lookup miss cost as much as a wrong token (no timing oracle on SIDs).
_DUMMY_SALT, _DUMMY_HASH = tokens.hash_token("0" * 32, "00" * 16)


def authenticate(repo: AccountRepository, sid: str | None, token: str | None) -> Account:
    """The active account whose credentials these are.

    Wrong or missing credentials are 20003 (401), whatever the account's status, so a guess never
    learns whether a SID exists or is suspended. Right credentials of a suspended or closed account
    are 10001 (403, Twilio's "Account is not active"): the caller is who it says, but may do nothing
    until an operator reactivates the account (``brandlink set-status AC... active``).
    """
    if not sid or not token or not sids.is_sid(sid, "AC"):
        tokens.token_matches(token or "", _DUMMY_SALT, _DUMMY_HASH)
        raise TwilioError.authentication_failed()
    account = repo.get(sid)
    if account is None:
        tokens.token_matches(token, _DUMMY_SALT, _DUMMY_HASH)
        raise TwilioError.authentication_failed()
    if not tokens.token_matches(token, account.token_salt, account.token_hash):
        raise TwilioError.authentication_failed()
    if account.status != "active":
        raise TwilioError(
            ErrorCode.ACCOUNT_NOT_ACTIVE,
            f"Account is not active: {account.sid} is {account.status}, so it may make no API request until "
            "its operator reactivates it.",
        )
    return account


def update_account(account: Account, friendly_name: str | None, status: str | None) -> Account:
    if status is not None and status not in ACCOUNT_STATUSES:
        raise TwilioError.invalid_parameter("Status", f"must be one of {', '.join(ACCOUNT_STATUSES)}.")
    if friendly_name is not None and len(friendly_name) > MAX_FRIENDLY_NAME:
        raise TwilioError.invalid_parameter("FriendlyName", f"must be at most {MAX_FRIENDLY_NAME} characters.")
    return replace(
        account,
        friendly_name=account.friendly_name if friendly_name is None else friendly_name,
        status=account.status if status is None else status,
        date_updated=utcnow(),
    )


def list_accounts(account: Account, params: Form, signer: PageSigner) -> Listing[Account]:
    """``GET Accounts.json``: the credentials see one account, their own; ``FriendlyName`` and
    ``Status`` filter it (a status that does not exist is a 400)."""
    request = PageRequest.from_form(params, signer)
    name, status = params.get("FriendlyName"), params.get("Status")
    if status is not None and status not in ACCOUNT_STATUSES:
        raise TwilioError.invalid_parameter("Status", f"must be one of {', '.join(ACCOUNT_STATUSES)}.")
    matches = request.page == 0 and name in (None, account.friendly_name) and status in (None, account.status)
    extra = {key: value for key, value in (("FriendlyName", name), ("Status", status)) if value is not None}
    return Listing(Page([account] if matches else []), request, extra)


def rename_account(repo: AccountRepository, account: Account, form: Form) -> Account:
    """``POST Accounts/{AC}.json``: a new ``FriendlyName``; the status is the operator's (``set_status``)."""
    if "Status" in form and form.get("Status") != account.status:
        raise TwilioError(
            ErrorCode.INVALID_PARAMETER,
            "An account cannot change its own Status over the API; an operator does it with `brandlink set-status`.",
        )
    updated = update_account(account, form.get("FriendlyName"), None)
    repo.save(updated)
    return updated


def set_status(repo: AccountRepository, sid: str, status: str) -> Account | None:
    """The operator's status change; None when there is no such account."""
    account = repo.get(sid)
    if account is None:
        return None
    updated = update_account(account, None, status)
    repo.save(updated)
    return updated


def set_limits(repo: AccountRepository, sid: str, changes: dict[str, int | frozenset[str] | None]) -> Account | None:
    """The operator's abuse-limit change (``brandlink set-limits``): each key of ``changes`` is a field of
    ``AccountLimits`` set to its value (None: back to the deployment's default); fields not named keep
    theirs. None when there is no such account; ``ValueError`` (the sentence to show) for a bad value."""
    account = repo.get(sid)
    if account is None:
        return None
    unknown = sorted(set(changes) - {f.name for f in fields(AccountLimits)})
    if unknown:
        raise ValueError(f"unknown limits {unknown}")
    limits = replace(account.limits, **changes)  # type: ignore[arg-type]
    if not repo.save_limits(sid, limits):
        return None
    return replace(account, limits=limits)
