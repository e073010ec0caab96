"""Senders only their owners can use (security finding 1): claims, verification codes, alpha allow-lists,
the operator's commands and the migration of senders registered before claims existed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from brandlink.config import settings
from ops import cli
from tests.integration.conftest import ApiClient, own
from tests.integration.message_helpers import RECIPIENT, messages_path, run_dispatch

NUMBER = "+14155552671"
OTHER = "+14155552699"


def numbers(api: ApiClient) -> str:
    return f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers"


def register(api: ApiClient, number: str = NUMBER) -> tuple[int, Any]:
    return api.post(f"{numbers(api)}.json", {"PhoneNumber": number})


def outbox_of(api: ApiClient) -> list[dict[str, Any]]:
    status, body = api.get("/v1/Outbox")
    assert status == 200, body
    return list(body["messages"])


def codes_sent(to: str) -> list[str]:
    """The verification texts the outbox provider recorded for ``to`` (under no account), oldest first."""
    from brandlink.store.messaging.outbox import OutboxItem

    return [item.body for item in OutboxItem.query("verification") if item.to == to][::-1]


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def verifying(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A deployment that verifies numbers with codes sent from "Brandlink" (senderVerificationFrom)."""
    monkeypatch.setenv("BRANDLINK_SENDER_VERIFICATION_FROM", "Brandlink")
    settings.cache_clear()
    yield
    monkeypatch.delenv("BRANDLINK_SENDER_VERIFICATION_FROM")
    settings.cache_clear()


def _service_with(api: ApiClient, number_sid: str) -> str:
    service = api.post("/v1/Services", {"FriendlyName": "Marketing"})[1]["sid"]
    assert api.post(f"/v1/Services/{service}/PhoneNumbers", {"PhoneNumberSid": number_sid})[0] == 201
    return str(service)


def _b_tries_to_send_as_a(b: ApiClient) -> None:
    status, body = b.post(messages_path(b), {"To": RECIPIENT, "From": NUMBER, "Body": "I am A"})
    assert (status, body["code"]) == (400, 21606), body
    service = b.post("/v1/Services", {"FriendlyName": "B's"})[1]["sid"]
    status, body = b.post(f"/v1/Services/{service}/PhoneNumbers", {"PhoneNumber": NUMBER})
    assert (status, body["code"]) == (400, 21422), body
    status, body = b.post(messages_path(b), {"To": RECIPIENT, "MessagingServiceSid": service, "Body": "I am A"})
    if status == 201:
        run_dispatch()
        status, message = b.get(messages_path(b, body["sid"]))
        assert message["status"] == "failed" and message["error_code"] == 21704, message
    run_dispatch()
    assert outbox_of(b) == []


def test_b_cannot_register_or_send_as_a(new_account: Callable[[], ApiClient]) -> None:
    a, b = new_account(), new_account()
    own(a, NUMBER)
    number = register(a)[1]
    _service_with(a, number["sid"])
    status, body = register(b)  # before: 201, and B's message went out From A's number
    assert (status, body["code"]) == (400, 21422)
    assert a.sid not in body["message"] and number["sid"] not in body["message"]
    status, body = b.post(f"{numbers(b)}.json", {"PhoneNumber": f"whatsapp:{NUMBER}"})
    assert (status, body["code"]) == (400, 21422)  # one claim covers the number's WhatsApp sender too
    _b_tries_to_send_as_a(b)
    # A still sends.
    assert a.post(messages_path(a), {"To": RECIPIENT, "From": NUMBER, "Body": "Hi"})[0] == 201
    run_dispatch()
    assert [m["from"] for m in outbox_of(a)] == [NUMBER]


def test_b_cannot_verify_a_number_a_holds_and_a_gets_no_code(
    new_account: Callable[[], ApiClient], verifying: None
) -> None:
    a, b = new_account(), new_account()
    own(a, NUMBER)
    register(a)
    status, pending = register(b)
    assert status == 201 and pending["status"] == "pending"  # no hint that A holds it ...
    assert codes_sent(NUMBER) == []  # ... and A's handset gets no text from B's attempt
    for code in ("000000", "123456"):
        status, body = b.post(f"{numbers(b)}/{pending['sid']}/Verify.json", {"Code": code})
        assert (status, body["code"]) == (400, 20001) and a.sid not in body["message"]
    status, body = b.post(
        f"/v1/Services/{b.post('/v1/Services', {'FriendlyName': 'x'})[1]['sid']}/PhoneNumbers",
        {"PhoneNumberSid": pending["sid"]},
    )
    assert (status, body["code"]) == (400, 21422) and "not verified yet" in body["message"]
    _b_tries_to_send_as_a(b)


def test_a_number_nobody_holds_is_proven_with_the_code_sent_to_it(
    new_account: Callable[[], ApiClient], verifying: None
) -> None:
    c, d = new_account(), new_account()
    status, pending = register(c, OTHER)
    assert status == 201 and pending["status"] == "pending"
    [text] = codes_sent(OTHER)
    code = code_in(text)
    assert outbox_of(c) == []  # the code is not readable through the account's outbox
    status, body = c.post(messages_path(c), {"To": RECIPIENT, "From": OTHER, "Body": "too early"})
    assert (status, body["code"]) == (400, 21606) and "verify" in body["message"]
    wrong = "0" * 6 if code != "0" * 6 else "1" * 6
    assert c.post(f"{numbers(c)}/{pending['sid']}/Verify.json", {"Code": wrong})[1]["code"] == 20001
    status, verified = c.post(f"{numbers(c)}/{pending['sid']}/Verify.json", {"Code": code})
    assert status == 200 and verified["status"] == "in-use", verified
    assert c.get(f"{numbers(c)}/{pending['sid']}.json")[1]["status"] == "in-use"
    assert c.post(messages_path(c), {"To": RECIPIENT, "From": OTHER, "Body": "now"})[0] == 201
    # The number is C's now: D's registration stays pending and no code goes to C's handset.
    status, ds = register(d, OTHER)
    assert status == 201 and ds["status"] == "pending"
    assert len(codes_sent(OTHER)) == 1
    assert d.post(f"{numbers(d)}/{ds['sid']}/Verify.json", {"Code": code})[1]["code"] == 20001
    # Found by schemathesis: a Code over the documented 16 characters was answered 200 once the number
    # was in use; the bound holds whatever the number's state.
    status, body = c.post(f"{numbers(c)}/{pending['sid']}/Verify.json", {"Code": "1" * 17})
    assert (status, body["code"]) == (400, 20001) and "16" in body["message"], body


def test_codes_are_limited_expire_and_can_be_renewed(
    api: ApiClient, verifying: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brandlink.core.senders import actions

    pending = register(api, OTHER)[1]
    code = code_in(codes_sent(OTHER)[0])
    # Re-registering at once sends nothing more (one code a minute per number, deployment-wide).
    assert api.delete(f"{numbers(api)}/{pending['sid']}.json")[0] == 204
    pending = register(api, OTHER)[1]
    verify = f"{numbers(api)}/{pending['sid']}/Verify.json"
    assert len(codes_sent(OTHER)) == 1
    assert api.post(verify, {"Code": code})[1]["code"] == 20001  # the old registration's code
    # A minute later a new code may be asked for; five wrong tries then lock it.
    later = datetime.now(UTC) + timedelta(seconds=61)
    monkeypatch.setattr(actions, "utcnow", lambda: later)
    assert api.post(verify, {})[0] == 200
    code = code_in(codes_sent(OTHER)[-1])
    assert len(codes_sent(OTHER)) == 2
    for _ in range(5):
        assert api.post(verify, {"Code": "99999x"})[1]["code"] == 20001
    assert api.post(verify, {"Code": code})[1]["code"] == 20001  # locked after five failures
    # Expired: ten minutes after it was sent.
    much_later = later + timedelta(minutes=2)
    monkeypatch.setattr(actions, "utcnow", lambda: much_later)
    api.post(verify, {})
    code = code_in(codes_sent(OTHER)[-1])
    monkeypatch.setattr(actions, "utcnow", lambda: much_later + timedelta(minutes=10, seconds=1))
    assert api.post(verify, {"Code": code})[1]["code"] == 20001
    monkeypatch.setattr(actions, "utcnow", lambda: much_later + timedelta(minutes=9))
    assert api.post(verify, {"Code": code})[1]["status"] == "in-use"


def test_without_verification_an_unassigned_number_is_refused_and_verify_too(api: ApiClient) -> None:
    status, body = register(api, OTHER)
    assert (status, body["code"]) == (400, 21422)
    assert codes_sent(OTHER) == []


def test_short_codes_and_alpha_ids_need_the_operator(api: ApiClient) -> None:
    service = api.post("/v1/Services", {"FriendlyName": "s"})[1]["sid"]
    status, body = api.post(f"/v1/Services/{service}/ShortCodes", {"ShortCode": "24680", "CountryCode": "US"})
    assert (status, body["code"]) == (400, 21422)
    status, body = api.post(f"/v1/Services/{service}/AlphaSenders", {"AlphaSender": "BANK"})
    assert (status, body["code"]) == (400, 21707) and "allow-alpha" in body["message"]
    own(api, "sc:US:24680", "alpha:Bank")
    assert api.post(f"/v1/Services/{service}/ShortCodes", {"ShortCode": "24680", "CountryCode": "US"})[0] == 201
    assert api.post(f"/v1/Services/{service}/AlphaSenders", {"AlphaSender": "BANK"})[0] == 201  # any case


# ---- the operator's commands ---------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert cli.main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert cli.main(list(argv)) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err.strip()


def test_operator_assigns_releases_and_allows(
    new_account: Callable[[], ApiClient], capsys: pytest.CaptureFixture[str], verifying: None
) -> None:
    a, b = new_account(), new_account()
    pending = register(a, "+1 (415) 555-2671")[1]  # A registered first; the operator assigns it later
    assigned = run(capsys, "assign-sender", a.sid, "+1 415 555 2671")
    assert assigned == {"address": NUMBER, "account_sid": a.sid, "source": "operator", "activated": [pending["sid"]]}
    assert a.get(f"{numbers(a)}/{pending['sid']}.json")[1]["status"] == "in-use"
    assert run(capsys, "assign-sender", a.sid, NUMBER)["account_sid"] == a.sid  # idempotent
    error = refused(capsys, "assign-sender", b.sid, NUMBER)
    assert f"is held by {a.sid}" in error and "release-sender" in error
    service = _service_with(a, pending["sid"])

    released = run(capsys, "release-sender", NUMBER)
    assert released == {"address": NUMBER, "released_from": a.sid, "removed_senders": [pending["sid"]]}
    assert a.get(f"{numbers(a)}/{pending['sid']}.json")[0] == 404
    assert a.get(f"/v1/Services/{service}/PhoneNumbers")[1]["phone_numbers"] == []
    assert a.post(messages_path(a), {"To": RECIPIENT, "From": NUMBER, "Body": "x"})[1]["code"] == 21606
    assert "not assigned to any account" in refused(capsys, "release-sender", NUMBER)
    run(capsys, "assign-sender", b.sid, NUMBER)
    assert register(b)[1]["status"] == "in-use"

    short = run(capsys, "assign-sender", b.sid, "--short-code", "24680", "--country", "us")
    assert short["address"] == "sc:US:24680"
    assert "not both" in refused(capsys, "assign-sender", b.sid, NUMBER, "--short-code", "1234", "--country", "US")
    assert "CountryCode" not in refused(capsys, "assign-sender", b.sid, "--short-code", "1234", "--country", "ZZ")
    assert "not found" in refused(capsys, "assign-sender", "AC" + "0" * 32, OTHER)

    assert run(capsys, "allow-alpha", b.sid, "ACME") == {"account_sid": b.sid, "allowed": ["ACME"]}
    service = b.post("/v1/Services", {"FriendlyName": "b"})[1]["sid"]
    entry = b.post(f"/v1/Services/{service}/AlphaSenders", {"AlphaSender": "Acme"})[1]
    removed = run(capsys, "allow-alpha", b.sid, "ACME", "--remove")
    assert removed["removed_from_pools"] == [entry["sid"]]
    assert b.get(f"/v1/Services/{service}/AlphaSenders")[1]["alpha_senders"] == []
    assert b.post(f"/v1/Services/{service}/AlphaSenders", {"AlphaSender": "Acme"})[1]["code"] == 21707


def test_two_accounts_cannot_both_hold_a_number(new_account: Callable[[], ApiClient], verifying: None) -> None:
    """Both prove the number (say, a recycled one): the claim is one conditional write, so the second
    to verify fails like a wrong code and never holds it too."""
    from brandlink import wiring
    from brandlink.core.senders import verification
    from brandlink.core.senders.claims import ClaimHeld, SenderClaim

    c, d = new_account(), new_account()
    cs, ds = register(c, OTHER)[1], register(d, OTHER)[1]
    now = datetime.now(UTC)
    senders = wiring.senders()
    first = senders.activate(
        senders.get_owned(c.sid, cs["sid"]), SenderClaim(OTHER, c.sid, "phone_number", "verification", now)
    )  # type: ignore[arg-type]
    assert first is not None and first.status == "in-use"
    with pytest.raises(ClaimHeld) as held:
        senders.activate(
            senders.get_owned(d.sid, ds["sid"]), SenderClaim(OTHER, d.sid, "phone_number", "verification", now)
        )  # type: ignore[arg-type]
    assert held.value.holder == c.sid
    assert senders.get_owned(d.sid, ds["sid"]).status == "pending"  # type: ignore[union-attr]
    assert wiring.sender_claims().get(OTHER).account_sid == c.sid  # type: ignore[union-attr]
    assert verification.MAX_ATTEMPTS == 5


# ---- migrating senders registered before claims ---------------------------------------------------


def _legacy_sender(account_sid: str, number: str, days_ago: int, service_sid: str | None = None) -> str:
    """A registration as the old code wrote it: no claim, in use, maybe in a pool."""
    from dataclasses import replace

    import phonenumbers

    from brandlink import wiring
    from brandlink.core.senders.actions import _phone_sender

    sender = _phone_sender(account_sid, "phone_number", number, phonenumbers.parse(number))
    when = datetime.now(UTC) - timedelta(days=days_ago)
    sender = replace(sender, date_created=when, date_updated=when)
    wiring.senders().register(sender)
    if service_sid:
        wiring.senders().add_to_pool(wiring.services().get(account_sid, service_sid), sender)  # type: ignore[arg-type]
    return sender.sid


def test_migration_claims_first_come_and_takes_conflicts_out_of_use(
    new_account: Callable[[], ApiClient], capsys: pytest.CaptureFixture[str]
) -> None:
    from brandlink import wiring
    from brandlink.core.senders.model import Sender

    first, second = new_account(), new_account()
    seconds_service = second.post("/v1/Services", {"FriendlyName": "b"})[1]["sid"]
    firsts = _legacy_sender(first.sid, NUMBER, days_ago=30)
    seconds = _legacy_sender(second.sid, NUMBER, days_ago=3, service_sid=seconds_service)
    alpha = Sender(
        "AI" + "a" * 32,
        second.sid,
        "alpha_sender",
        "BANKX",
        None,
        ("sms",),
        "BANKX",
        datetime.now(UTC),
        datetime.now(UTC),
        service_sid=seconds_service,
    )
    wiring.senders().add_alpha_sender(wiring.services().get(second.sid, seconds_service), alpha)  # type: ignore[arg-type]
    # Before the migration the second account still sends as the first (what it must stop).
    assert second.post(messages_path(second), {"To": RECIPIENT, "From": NUMBER, "Body": "x"})[0] == 201

    dry = run(capsys, "migrate-senders", "--dry-run")
    assert {(r["sender_sid"], r["outcome"]) for r in dry} == {
        (firsts, "claimed"),
        (seconds, "conflict"),
        (alpha.sid, "alpha_not_allowed"),
    }
    assert wiring.sender_claims().get(NUMBER) is None  # nothing written

    rows = run(capsys, "migrate-senders")
    assert {(r["sender_sid"], r["outcome"], r.get("held_by")) for r in rows} == {
        (firsts, "claimed", None),
        (seconds, "conflict", first.sid),
        (alpha.sid, "alpha_not_allowed", None),
    }
    assert wiring.sender_claims().get(NUMBER).account_sid == first.sid  # type: ignore[union-attr]
    assert second.get(f"{numbers(second)}/{seconds}.json")[1]["status"] == "pending"
    assert wiring.senders().pool(seconds_service) == []
    assert second.post(messages_path(second), {"To": RECIPIENT, "From": NUMBER, "Body": "x"})[1]["code"] == 21606
    assert first.post(messages_path(first), {"To": RECIPIENT, "From": NUMBER, "Body": "x"})[0] == 201
    again = run(capsys, "migrate-senders")
    assert {(r["sender_sid"], r["outcome"]) for r in again} == {(firsts, "already_held"), (seconds, "pending")}


def test_asking_again_too_soon_changes_nothing_and_no_unsent_code_is_valid(
    api: ApiClient, verifying: None, new_account: Callable[[], ApiClient]
) -> None:
    pending = register(api, OTHER)[1]
    verify = f"{numbers(api)}/{pending['sid']}/Verify.json"
    code = code_in(codes_sent(OTHER)[0])
    assert api.post(verify, {})[0] == 200  # within the minute: nothing sent, nothing replaced
    assert len(codes_sent(OTHER)) == 1
    # Another account registering the number meanwhile gets no code to guess at all.
    other = new_account()
    theirs = register(other, OTHER)[1]
    assert len(codes_sent(OTHER)) == 1
    from brandlink import wiring

    assert wiring.senders().get_owned(other.sid, theirs["sid"]).verification is None  # type: ignore[union-attr]
    assert api.post(verify, {"Code": code})[1]["status"] == "in-use"
