"""Form-encoded request bodies: repeated keys become lists, booleans are true/false.

Decoding is strict: a name or value whose percent-encoded bytes are not UTF-8 is refused with a
400 that names the parameter (``urllib.parse.parse_qsl`` would replace them with U+FFFD and the
message would go out with garbage in it).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from brandlink.core.common.errors import ErrorCode, TwilioError

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}

MAX_FIELDS = 1000
"""More name=value pairs than any Brandlink request needs (lists included); a bound on parse work."""
MAX_FRIENDLY_NAME = 64
"""Twilio's limit for every resource's ``FriendlyName``."""
WHATSAPP_PREFIX = "whatsapp:"
"""The channel prefix of a WhatsApp address (``whatsapp:+14155552671``); any other address is SMS."""


def _decode(raw: str, what: str, source: str) -> str:
    try:
        return unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        raise TwilioError(
            ErrorCode.INVALID_PARAMETER,
            f"The {source} has invalid UTF-8 in {what}: percent-encode the text's UTF-8 bytes (é is %C3%A9).",
        ) from None


def parse_pairs(text: str, source: str = "request body") -> list[tuple[str, str]]:
    """``name=value&...`` into pairs, like ``parse_qsl(keep_blank_values=True)`` but strict UTF-8."""
    fields = [field for field in text.split("&") if field]
    if len(fields) > MAX_FIELDS:
        raise TwilioError(
            ErrorCode.INVALID_PARAMETER,
            f"The {source} has {len(fields)} parameters; at most {MAX_FIELDS} are accepted.",
        )
    pairs: list[tuple[str, str]] = []
    for field in fields:
        raw_name, _sep, raw_value = field.partition("=")
        name = _decode(raw_name, "a parameter name", source)
        pairs.append((name, _decode(raw_value, f"parameter {name[:40]!r}", source)))
    return pairs


def _pairs_of(body: str | bytes | None, is_base64: bool, source: str) -> list[tuple[str, str]]:
    if body is None or body == "":
        return []
    # surrogatepass: a lone surrogate in a str body fails the strict decode below, with a 400.
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if is_base64:
        try:
            raw = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise TwilioError(ErrorCode.INVALID_PARAMETER, f"The {source} is not valid base64.") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TwilioError(ErrorCode.INVALID_PARAMETER, f"The {source} must be UTF-8 form-encoded text.") from exc
    return parse_pairs(text, source)


class Form:
    """Read-only view of a form body (or query string) with typed accessors."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pending: Callable[[], list[tuple[str, str]]] | None = None
        self._by_name = self._group(pairs)

    @staticmethod
    def _group(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for key, value in pairs:
            grouped.setdefault(key, []).append(value)
        return grouped

    @classmethod
    def parse(
        cls, body: str | bytes | None, *, is_base64: bool = False, source: str = "request body", lazy: bool = False
    ) -> Form:
        """Parse a form body (``source`` names it in error messages, e.g. ``"query string"``).

        ``lazy`` decodes it when it is first read instead: an action that looks the resource up
        first answers 404 for a missing one before it reads (and maybe refuses) the body.
        """
        if not lazy:
            return cls(_pairs_of(body, is_base64, source))
        form = cls([])
        form._pending = lambda: _pairs_of(body, is_base64, source)
        return form

    @property
    def _values(self) -> dict[str, list[str]]:
        if self._pending is not None:
            self._by_name = self._group(self._pending())
            self._pending = None
        return self._by_name

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def keys(self) -> list[str]:
        return list(self._values)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The parameter's one value; a parameter that is not a list but was repeated is a 400.

        Silently keeping one of ``Page=1&Page=`` would act on a value the caller may not have
        meant; lists (``MediaUrl``, ``MessagingServiceSids``, …) are read with ``get_list``.
        """
        values = self._values.get(name)
        if not values:
            return default
        if len(values) > 1:
            raise TwilioError.invalid_parameter(name[:40], f"give it once; it was given {len(values)} times.")
        return values[0]

    def get_address(self, name: str) -> str | None:
        """A phone address (``+E164`` or ``whatsapp:+E164``), stripped.

        An unencoded ``+`` in a form body decodes to a space (``curl -d To=+14155552671``), so a
        value that is a space followed by digits gets its ``+`` back, as Twilio accepts it.
        """
        value = self.get(name)
        if value is None:
            return None
        for prefix in ("", WHATSAPP_PREFIX):
            if value.lower().startswith(prefix + " ") and value[len(prefix) :].strip().isdigit():
                return f"{value[: len(prefix)]}+{value[len(prefix) :].strip()}"
        return value.strip()

    def get_list(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def get_bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise TwilioError.invalid_parameter(name, f"expected true or false, got {value!r}.")

    def get_int(
        self,
        name: str,
        default: int | None = None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        code: ErrorCode = ErrorCode.INVALID_PARAMETER,
    ) -> int | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise TwilioError.invalid_parameter(name, f"expected a whole number, got {value!r}.", code) from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise TwilioError.invalid_parameter(name, f"must be {bounds}, got {number}.", code)
        return number

    def get_choice(self, name: str, allowed: Iterable[str], *, upper: bool = False) -> str | None:
        """One of ``allowed`` (compared after stripping, in lower case or ``upper`` case); None when
        absent or blank; any other value is a 400 that lists the choices."""
        value = self.get(name)
        if value is None or value.strip() == "":
            return None
        normalized = value.strip().upper() if upper else value.strip().lower()
        options = tuple(allowed)
        if normalized not in options:
            raise TwilioError.invalid_parameter(name, f"must be one of {', '.join(options)}, got {value!r}.")
        return normalized

    def get_friendly_name(self, *, blank_ok: bool) -> str | None:
        """``FriendlyName`` stripped: None when absent (or blank, when ``blank_ok``); a blank one
        otherwise, or one over ``MAX_FRIENDLY_NAME`` characters as sent (the OpenAPI document's
        ``maxLength`` bounds the raw value, before stripping), is a 400."""
        value = self.get("FriendlyName")
        if value is None:
            return None
        if len(value) > MAX_FRIENDLY_NAME:
            raise TwilioError.invalid_parameter("FriendlyName", f"must be at most {MAX_FRIENDLY_NAME} characters.")
        name = value.strip()
        if not name:
            if blank_ok:
                return None
            raise TwilioError.invalid_parameter("FriendlyName", "must not be empty.")
        return name
