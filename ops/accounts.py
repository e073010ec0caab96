"""The account commands of ``brandlink``: accounts are created and suspended by an operator, never
over the API. Each function returns what the command prints as JSON; a refusal raises
``AccountCommandError`` with the sentence to show."""

from __future__ import annotations

from typing import Any


class AccountCommandError(Exception):
    """The command was refused; the message says why and what to do."""


def _repository() -> Any:
    # Imported late: Brandlink's code reads its settings after the target set the environment.
    from brandlink import wiring

    return wiring.accounts()


def create_account(name: str | None, retention_days: int | None) -> dict[str, Any]:
    from brandlink import wiring
    from brandlink.core.accounts import actions as accounts

    try:
        account, token = accounts.create_account(_repository(), wiring.token_vault(), name, retention_days)
    except ValueError as exc:
        raise AccountCommandError(f"--retention-days: {exc}.") from None
    return {"account_sid": account.sid, "auth_token": token, "friendly_name": account.friendly_name}


def rotate_token(account_sid: str) -> dict[str, Any]:
    from brandlink import wiring
    from brandlink.core.accounts import actions as accounts
    from brandlink.core.common.errors import TwilioError

    try:
        token = accounts.rotate_token(_repository(), wiring.token_vault(), account_sid)
    except TwilioError as exc:
        raise AccountCommandError(exc.message) from None
    return {"account_sid": account_sid, "auth_token": token}


def set_status(account_sid: str, status: str) -> dict[str, Any]:
    from brandlink.core.accounts import actions as accounts

    if accounts.set_status(_repository(), account_sid, status) is None:
        raise AccountCommandError(f"Account {account_sid} not found: list-accounts shows the accounts there are.")
    return {"account_sid": account_sid, "status": status}


def set_limits(account_sid: str, **options: str | None) -> dict[str, Any]:
    """``brandlink set-limits``: each option given (as typed: a whole number, ``US,CA``, ``*``, or
    ``default`` for the deployment's value) replaces that limit; prints the overrides and what applies."""
    from dataclasses import asdict

    from brandlink import wiring
    from brandlink.core.accounts import actions as accounts
    from brandlink.core.accounts.limits import effective, parse_countries

    changes: dict[str, int | frozenset[str] | None] = {}
    for name, raw in options.items():
        if raw is None:
            continue
        flag = "--" + name.replace("_", "-")
        text = raw.strip()
        try:
            if text.lower() == "default":
                changes[name] = None
            elif name == "countries":
                changes[name] = parse_countries(text)
            else:
                changes[name] = int(text)
        except ValueError as exc:
            raise AccountCommandError(f"{flag}: {exc} (or `default`).") from None
    try:
        account = (
            accounts.set_limits(_repository(), account_sid, changes) if changes else _repository().get(account_sid)
        )
    except ValueError as exc:
        raise AccountCommandError(f"{exc}.") from None
    if account is None:
        raise AccountCommandError(f"Account {account_sid} not found: list-accounts shows the accounts there are.")

    def shown(values: dict[str, Any]) -> dict[str, Any]:
        return {k: ",".join(sorted(v)) if isinstance(v, frozenset) else v for k, v in values.items()}

    return {
        "account_sid": account_sid,
        "overrides": shown({k: v for k, v in asdict(account.limits).items() if v is not None}),
        "effective": shown(asdict(effective(account.limits, wiring.sending_defaults()))),
    }


def list_accounts() -> list[dict[str, Any]]:
    return [{"sid": a.sid, "friendly_name": a.friendly_name, "status": a.status} for a in _repository().list_all()]


def migrate_tokens(master_key_secret_arn: str | None) -> list[dict[str, Any]]:
    """Seal the current token of every account of a deployment from before per-account secrets.

    The old master key is read once, with the operator's credentials, from ``master_key_secret_arn``
    (default: ``BRANDLINK_LEGACY_TOKEN_KEY_SECRET_ARN``, which ``--stack`` sets from the stack's
    ``LegacyTokenKeySecretArn`` output). Tokens do not change: customers keep using theirs.
    """
    from brandlink import wiring
    from brandlink.adapters.accounts.token_key import fetch_token_master_key
    from brandlink.config import settings
    from brandlink.core.accounts import actions as accounts

    arn = master_key_secret_arn or settings().legacy_token_key_secret_arn
    if not arn:
        raise AccountCommandError(
            "Name the old token master key secret: --master-key-secret ARN (the TokenKeySecretArn output of the "
            "stack before the upgrade), or deploy with -c legacyTokenKeySecretArn=ARN and use --stack."
        )
    master_key = fetch_token_master_key(arn, settings().region)
    report = accounts.migrate_tokens(_repository(), wiring.token_vault(), master_key)
    return [
        {"account_sid": row.account_sid, "outcome": row.outcome, **({"detail": row.detail} if row.detail else {})}
        for row in report
    ]
