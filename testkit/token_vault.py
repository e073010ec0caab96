"""An in-memory ``TokenVault`` for unit tests and benchmarks: binds each sealed token to its account,
as KMS's encryption context does, and records every call so tests can check the context passed."""

from __future__ import annotations

import base64
import json

from brandlink.core.accounts.tokens import TokenUnavailable


class FakeTokenVault:
    def __init__(self) -> None:
        self.sealed: list[str] = []  # account SIDs sealed for, in order
        self.opened: list[str] = []  # account SIDs opened for, in order

    def seal(self, account_sid: str, token: str) -> str:
        self.sealed.append(account_sid)
        return base64.b64encode(json.dumps({"context": account_sid, "token": token}).encode()).decode()

    def open(self, account_sid: str, sealed: str) -> str:
        self.opened.append(account_sid)
        try:
            blob = json.loads(base64.b64decode(sealed))
        except ValueError as exc:
            raise TokenUnavailable("damaged") from exc
        if blob["context"] != account_sid:
            raise TokenUnavailable(f"sealed for another account, not {account_sid}")
        return str(blob["token"])
