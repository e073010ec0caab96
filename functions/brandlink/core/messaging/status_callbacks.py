"""Status callbacks: the job on the status-callback queue and how it is posted and signed.

On every status change after the initial one, dispatch (or a cancel) puts a job on the
status-callback queue (``callback_jobs.callback_job``); the status-callback function posts it,
form-encoded and signed with ``X-Twilio-Signature`` (the account's auth token as key), to the
message's ``StatusCallback``, else its messaging service's. A failed post raises, so SQS retries it
and finally parks it in the DLQ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from brandlink.core.common.signing import sign_form


@dataclass(frozen=True)
class StatusCallbackJob:
    account_sid: str
    url: str
    params: dict[str, str]

    def to_json(self) -> str:
        return json.dumps({"account_sid": self.account_sid, "url": self.url, "params": self.params})

    @classmethod
    def from_json(cls, raw: str) -> StatusCallbackJob:
        """Raises ``ValueError`` for a body that is not a job (never retried: it cannot improve)."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("a status-callback job is a JSON object")
        account_sid, url, params = data.get("account_sid"), data.get("url"), data.get("params")
        if not isinstance(account_sid, str) or not isinstance(url, str) or not isinstance(params, dict):
            raise ValueError("a status-callback job needs account_sid, url and params")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
            raise ValueError("status-callback params are strings")
        return cls(account_sid=account_sid, url=url, params=params)


class CallbackQueue(Protocol):
    def enqueue(self, jobs: Sequence[StatusCallbackJob]) -> None: ...


class FormPoster(Protocol):
    def post_form(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> int:
        """POST ``params`` form-encoded; the HTTP status. Raises ``OSError`` when nothing answered."""
        ...


class CallbackRejected(Exception):
    """The receiver answered with a status other than 2xx: the job is retried."""


def deliver(job: StatusCallbackJob, auth_token: str, poster: FormPoster) -> int:
    """Post ``job`` signed with ``auth_token``; raises ``CallbackRejected`` unless the answer is 2xx."""
    status = poster.post_form(job.url, job.params, sign_form(auth_token, job.url, job.params))
    if not 200 <= status < 300:
        raise CallbackRejected(f"{job.url} answered HTTP {status}")
    return status
