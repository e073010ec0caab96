"""Twilio error responses: one exception type, one body shape."""

from __future__ import annotations

from typing import Any

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class TwilioError(Exception):
    """A request failure that maps to a Twilio error body.

    ``code`` is the Twilio error code, ``status`` the HTTP status, ``message`` a sentence that
    says what is wrong and what to fix.
    """

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, Any]:
        # Never add "type"/"title": the helper library would parse it as another exception kind.
        return {
            "code": self.code,
            "message": self.message,
            "more_info": MORE_INFO.format(code=self.code),
            "status": self.status,
        }


def not_found(what: str = "The requested resource") -> TwilioError:
    return TwilioError(20404, f"{what} was not found.", status=404)


def authentication_failed() -> TwilioError:
    return TwilioError(
        20003,
        "Authentication failed: send HTTP Basic credentials AccountSid:AuthToken of an active account.",
        status=401,
    )


def invalid_parameter(name: str, why: str, code: int = 20001) -> TwilioError:
    return TwilioError(code, f"Invalid parameter {name}: {why}", status=400)
