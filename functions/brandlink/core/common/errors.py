"""Twilio error codes and responses: every code Brandlink uses, once, and one exception type.

``ErrorCode`` is the one list: each member is a Twilio error code with the HTTP status it answers
with by default. ``docs/errors.md`` says what each means and when Brandlink returns it (a test
checks that every code the source uses is there). ``TwilioError`` carries a code and one sentence
saying what is wrong and what to fix; its named constructors build the common ones.
"""

from __future__ import annotations

from enum import IntEnum, unique
from typing import Any

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"
DOCS_PAGE = "docs/errors.md"


@unique
class ErrorCode(IntEnum):
    """A Twilio error code and its default HTTP status (400 unless given); each code once (``@unique``)."""

    status: int

    def __new__(cls, code: int, status: int = 400) -> ErrorCode:
        member = int.__new__(cls, code)
        member._value_ = code
        member.status = status
        return member

    @property
    def anchor(self) -> str:
        """Where docs/errors.md describes the code (``docs/errors.md#e30139``)."""
        return f"{DOCS_PAGE}#e{self.value}"

    # ---- the API itself ----
    ACCOUNT_NOT_ACTIVE = 10001, 403
    INVALID_PARAMETER = 20001
    AUTHENTICATION_FAILED = 20003, 401
    METHOD_NOT_ALLOWED = 20004, 405
    DELETE_IN_PROGRESS = 20009, 409
    NOT_FOUND = 20404, 404
    TOO_MANY_REQUESTS = 20429, 429
    INTERNAL_ERROR = 20500, 500

    # ---- messages: parameters ----
    INVALID_TO = 21211
    INVALID_PHONE_NUMBER = 21421
    ADDRESS_UNAVAILABLE = 21422
    BODY_REQUIRED = 21602
    SENDER_REQUIRED = 21603
    TO_REQUIRED = 21604
    FROM_NOT_A_SENDER = 21606
    INVALID_STATUS_CALLBACK = 21609
    BODY_TOO_LONG = 21617
    BODY_OR_MEDIA_REQUIRED = 21619
    INVALID_MEDIA_URL = 21620
    TOO_MANY_MEDIA = 21623

    # ---- messaging services and senders ----
    SERVICE_NOT_FOUND = 21701
    NO_SENDER = 21704
    INVALID_SERVICE_SID = 21705
    INVALID_ALPHA_SENDER = 21707
    ALREADY_IN_A_SERVICE = 21710

    # ---- delivery (a message's error_code; Twilio's codes a provider answers with map onto these) ----
    REGION_NOT_ENABLED = 21408
    OPTED_OUT = 21610
    NO_SENDER_FOR_CHANNEL = 21612
    NOT_A_MOBILE_NUMBER = 21614
    QUEUE_OVERFLOW = 30001
    ACCOUNT_SUSPENDED = 30002
    UNREACHABLE_HANDSET = 30003
    MESSAGE_BLOCKED = 30004
    UNKNOWN_HANDSET = 30005
    UNREACHABLE_CARRIER = 30006
    CARRIER_FILTERED = 30007
    UNKNOWN_ERROR = 30008
    DAILY_CAP_REACHED = 30023, 429

    # ---- link shortening: domains, certificates, config ----
    INVALID_DOMAIN_SID = 30100
    DOMAIN_UNVERIFIED = 30101
    CERTIFICATE_EXPIRED = 30102
    LINKS_NOT_SHORTENED = 30103
    LINK_FALLBACK = 30104, 302
    LINK_NOT_FOUND = 30105, 404
    DOMAIN_NOT_SET_UP = 30106
    NO_CERTIFICATE = 30107
    INVALID_CALLBACK_URL = 30109
    NOT_PEM = 30116
    CERTIFICATE_UNPARSABLE = 30117
    KEY_NOT_PKCS8 = 30118
    KEY_MISMATCH = 30119
    FALLBACK_URL_MISSING = 30121
    INVALID_FALLBACK_URL = 30122
    SERVICE_SID_EMPTY = 30124
    SERVICE_SID_INVALID = 30127
    INVALID_SERVICES_ACTION = 30128
    SELF_SIGNED = 30129
    SERVICE_IN_OTHER_DOMAIN = 30130
    CERTIFICATE_EXPIRES_SOON = 30131
    CERTIFICATE_NOT_VALID = 30132
    INVALID_LINK = 30139

    # ---- messages: changes after creation ----
    INVALID_UPDATE = 30400
    CANNOT_CANCEL = 30409

    # ---- scheduling ----
    SEND_AT_MISSING = 35111
    SEND_AT_OUT_OF_WINDOW = 35114
    SERVICE_REQUIRED = 35118
    SCHEDULE_TYPE_MISSING = 35119
    SCHEDULED_CAP_REACHED = 35125


class TwilioError(Exception):
    """A request failure that maps to a Twilio error body.

    ``code`` is the Twilio error code, ``status`` the HTTP status (the code's default unless
    given), ``message`` a sentence that says what is wrong and what to fix.
    """

    def __init__(self, code: ErrorCode, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.status = self.code.status if status is None else status

    def body(self) -> dict[str, Any]:
        # Never add "type"/"title": the helper library would parse it as another exception kind.
        return {
            "code": int(self.code),
            "message": self.message,
            "more_info": MORE_INFO.format(code=int(self.code)),
            "status": self.status,
        }

    @classmethod
    def not_found(cls, what: str = "The requested resource") -> TwilioError:
        return cls(ErrorCode.NOT_FOUND, f"{what} was not found.")

    @classmethod
    def authentication_failed(cls) -> TwilioError:
        return cls(
            ErrorCode.AUTHENTICATION_FAILED,
            "Authentication failed: send HTTP Basic credentials AccountSid:AuthToken of an active account.",
        )

    @classmethod
    def invalid_parameter(cls, name: str, why: str, code: ErrorCode = ErrorCode.INVALID_PARAMETER) -> TwilioError:
        return cls(code, f"Invalid parameter {name}: {why}", status=400)

    @classmethod
    def method_not_allowed(cls, method: str, path: str, allowed: list[str]) -> TwilioError:
        return cls(ErrorCode.METHOD_NOT_ALLOWED, f"{method} is not allowed on {path}; use {', '.join(allowed)}.")

    @classmethod
    def internal(cls) -> TwilioError:
        return cls(ErrorCode.INTERNAL_ERROR, "An internal error occurred; the request was not applied. Try again.")
