from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from brandlink.core.common.signing import compute_signature, sign_form, sign_json, verify_signature

VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}


def test_contract_vector() -> None:
    assert compute_signature("12345", VECTOR_URL, VECTOR_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_form_signature_accepted_by_twilio_validator() -> None:
    headers = sign_form("12345", VECTOR_URL, VECTOR_PARAMS)
    assert RequestValidator("12345").validate(VECTOR_URL, VECTOR_PARAMS, headers["X-Twilio-Signature"])
    assert not RequestValidator("54321").validate(VECTOR_URL, VECTOR_PARAMS, headers["X-Twilio-Signature"])


def test_repeated_values_are_sorted() -> None:
    params = {"MediaUrl": ["https://b.example/2", "https://a.example/1"], "Body": "hi"}
    signature = compute_signature("tok", "https://x.example/cb", params)
    assert signature == compute_signature(
        "tok", "https://x.example/cb", {**params, "MediaUrl": sorted(params["MediaUrl"])}
    )
    assert verify_signature("tok", "https://x.example/cb", params, signature)


def test_json_signature_accepted_by_twilio_validator() -> None:
    body = json.dumps({"event_type": "click", "link": "https://example.com/ü"}).encode()
    url, headers = sign_json("secret-token", "https://hooks.example.com/clicks?x=1", body)
    assert "bodySHA256=" in url
    assert RequestValidator("secret-token").validate(url, body.decode(), headers["X-Twilio-Signature"])


def test_json_signature_rejects_tampered_body() -> None:
    body = b'{"a":1}'
    url, headers = sign_json("k", "https://h.example/c", body)
    assert not RequestValidator("k").validate(url, '{"a":2}', headers["X-Twilio-Signature"])


@given(
    token=st.text(min_size=1, max_size=40),
    params=st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=20), max_size=6),
)
def test_matches_twilio_for_any_form(token: str, params: dict[str, str]) -> None:
    url = "https://example.com/hook?a=1"
    signature = compute_signature(token, url, params)
    assert RequestValidator(token).compute_signature(url, params) == signature


def test_checks_of_received_signatures_refuse_anything_else_without_raising() -> None:
    """Headers are the caller's: missing, empty or non-ASCII (``hmac.compare_digest`` raises on a
    non-ASCII ``str``) is a refusal, never a 500."""
    from brandlink.core.common.signing import webhook_signature, webhook_signature_valid

    params = {"MessageSid": "SM1"}
    good = compute_signature("tok", "https://x.example/in", params)
    assert verify_signature("tok", "https://x.example/in", params, good)
    for forged in (None, "", "é" * 28, good[:-1] + "ü", good + " "):
        assert not verify_signature("tok", "https://x.example/in", params, forged)
    body = b'{"MessageSid": "SM1"}'
    signed = webhook_signature(b"key", body)
    assert signed.startswith("sha256=") and webhook_signature_valid(b"key", body, signed)
    assert webhook_signature_valid(b"key", body, f"  {signed} ")
    for forged in (None, "", "sha256=" + "é" * 64, signed.removeprefix("sha256="), webhook_signature(b"other", body)):
        assert not webhook_signature_valid(b"key", body, forged)
