"""Errors of link shortening, each carrying the Twilio error code it will be reported as.

The codes come from the one list (``brandlink.core.common.errors.ErrorCode``); the hierarchy is the
package's own, so the API and dispatch layers map ``LinkError.code`` and ``str(error)`` onto a
Twilio error body. One class per error, built by a named constructor that writes the sentence.
"""

from __future__ import annotations

from brandlink.core.common.errors import ErrorCode


class LinkError(ValueError):
    """A message's links cannot be shortened. ``code`` is the Twilio error code to report."""

    code: ErrorCode = ErrorCode.LINKS_NOT_SHORTENED  # the generic shortener failure

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidLinkError(LinkError):
    """A link in the body is malformed (bad encoding, bad host, bad port): Twilio 30139."""

    code = ErrorCode.INVALID_LINK

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url

    @classmethod
    def for_link(cls, url: str, problem: str) -> InvalidLinkError:
        shown = url if len(url) <= 120 else url[:117] + "..."
        return cls(f"The link {shown!r} cannot be shortened: it {problem}. Correct it in the message body.", url)


class SlugSpaceExhaustedError(LinkError):
    """The slug counter passed the end of the slug space (62^10 values; not reachable in practice)."""

    @classmethod
    def at(cls, value: int, size: int) -> SlugSpaceExhaustedError:
        return cls(f"The slug counter reached {value}, past the {size} slugs that exist; no new link can be made.")


class SlugKeyError(ValueError):
    """The slug secret is unusable. A deployment error, not a request error: it has no Twilio code."""

    @classmethod
    def too_short(cls, length: int, minimum: int) -> SlugKeyError:
        return cls(f"The slug key has {length} bytes; it needs at least {minimum} random bytes.")
