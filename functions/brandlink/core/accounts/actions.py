"""What can be done with accounts: create (operator), authenticate (every request), rotate the token,
rename (the API), change the status (operator)."""

from __future__ import annotations

from dataclasses import replace

from brandlink.core.accounts import tokens
from brandlink.core.accounts.model import ACCOUNT_STATUSES, MIN_RETENTION_DAYS, Account
from brandlink.core.accounts.repository import AccountRepository
from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import MAX_FRIENDLY_NAME


def create_account(
    repo: AccountRepository,
    master_key: bytes,
    friendly_name: str | None = None,
    retention_days: int | None = None,
) -> tuple[Account, str]:
    """Create an account; returns it and its auth token, which is shown this once only."""
    if retention_days is not None and retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention must be at least {MIN_RETENTION_DAYS} days")
    sid = sids.new_sid("AC")
    token = tokens.derive_auth_token(master_key, sid, 1)
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
    )
    repo.add(account)
    return account, token


def rotate_token(repo: AccountRepository, master_key: bytes, sid: str) -> str:
    """Replace the account's token; the old one stops working at once."""
    account = repo.get(sid)
    if account is None:
        raise TwilioError.not_found(f"Account {sid}")
    version = account.token_version + 1
    token = tokens.derive_auth_token(master_key, sid, version)
    salt, digest = tokens.hash_token(token)
    repo.save(replace(account, token_salt=salt, token_hash=digest, token_version=version, date_updated=utcnow()))
    return token


def signing_token(account: Account, master_key: bytes) -> str:
    """The auth token that signs this account's outgoing webhooks (``X-Twilio-Signature``)."""
    return tokens.derive_auth_token(master_key, account.sid, account.token_version)


# A fixed dummy hash lets a lookup miss cost as much as a wrong token (no timing oracle on SIDs).
_DUMMY_SALT, _DUMMY_HASH = tokens.hash_token("0" * 32, "00" * 16)


def authenticate(repo: AccountRepository, sid: str | None, token: str | None) -> Account:
    """The active account whose credentials these are, else 20003."""
    if not sid or not token or not sids.is_sid(sid, "AC"):
        tokens.token_matches(token or "", _DUMMY_SALT, _DUMMY_HASH)
        raise TwilioError.authentication_failed()
    account = repo.get(sid)
    if account is None:
        tokens.token_matches(token, _DUMMY_SALT, _DUMMY_HASH)
        raise TwilioError.authentication_failed()
    if not tokens.token_matches(token, account.token_salt, account.token_hash) or account.status != "active":
        raise TwilioError.authentication_failed()
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
