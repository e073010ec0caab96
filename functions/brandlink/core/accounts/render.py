"""The 2010-04-01 Account resource."""

from __future__ import annotations

from typing import Any

from brandlink.core.accounts.model import Account
from brandlink.core.accounts.tokens import MASKED_TOKEN
from brandlink.core.common.dates import rfc2822


def account_resource(account: Account) -> dict[str, Any]:
    """The 2010-04-01 account shape; the token is masked (only its hash is stored)."""
    uri = f"/2010-04-01/Accounts/{account.sid}.json"
    base = f"/2010-04-01/Accounts/{account.sid}"
    return {
        "auth_token": MASKED_TOKEN,
        "date_created": rfc2822(account.date_created),
        "date_updated": rfc2822(account.date_updated),
        "friendly_name": account.friendly_name,
        "owner_account_sid": account.sid,
        "sid": account.sid,
        "status": account.status,
        "subresource_uris": {
            "messages": f"{base}/Messages.json",
            "incoming_phone_numbers": f"{base}/IncomingPhoneNumbers.json",
        },
        "type": "Full",
        "uri": uri,
    }
