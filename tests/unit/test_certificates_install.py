"""The certificate life cycle with in-memory fakes: races a worker can meet, and what the API queues."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from brandlink.core.common.errors import TwilioError
from brandlink.core.domains import certificate_install as ci
from brandlink.core.domains.model import Domain
from brandlink.core.domains.repository import DomainGone, Mutation
from tests import certs

NAME = "links.example.com"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class MemoryDomains:
    def __init__(self) -> None:
        self.items: dict[str, Domain] = {}

    def get(self, sid: str) -> Domain | None:
        return self.items.get(sid)

    def verified_domain(self, domain_name: str) -> Domain | None:
        return next(
            (d for d in self.items.values() if d.domain_name == domain_name and d.date_verified is not None), None
        )

    def update(self, sid: str, mutation: Mutation) -> Domain:
        current = self.items.get(sid)
        if current is None:
            raise DomainGone(sid)
        changed = mutation(current)
        self.items[sid] = replace(changed, version=(current.version or 0) + 1)
        return self.items[sid]


class XorSealer:
    """Reversible, context-bound, and visibly not the plaintext."""

    def seal(self, plaintext: bytes, context: dict[str, str]) -> str:
        return json.dumps({"context": context, "blob": bytes(b ^ 0x5A for b in plaintext).hex()})

    def unseal(self, sealed: str, context: dict[str, str]) -> bytes:
        data = json.loads(sealed)
        if data["context"] != context:
            raise PermissionError("encryption context mismatch")
        return bytes(b ^ 0x5A for b in bytes.fromhex(data["blob"]))


class FakeAcm:
    def __init__(self) -> None:
        self.certificates: dict[str, tuple[str, bytes]] = {}
        self.during_import: Callable[[], None] = lambda: None
        self.reject: str | None = None

    def import_certificate(
        self, certificate_pem: str, chain_pem: str | None, key_der: bytes, existing_arn: str | None
    ) -> str:
        self.during_import()
        if self.reject:
            raise ci.CertificateRejected(self.reject)
        arn = existing_arn if existing_arn in self.certificates else f"arn:acm:{len(self.certificates) + 1}"
        self.certificates[arn] = (certificate_pem, key_der)
        return arn

    def delete_certificate(self, arn: str) -> None:
        self.certificates.pop(arn, None)


class FakeCustomDomains:
    def __init__(self) -> None:
        self.domains: dict[str, str] = {}

    def ensure(self, domain_name: str, certificate_arn: str) -> str | None:
        self.domains[domain_name] = certificate_arn
        return f"d-{len(domain_name)}.execute-api.test"

    def remove(self, domain_name: str, certificate_arn: str) -> None:
        if self.domains.get(domain_name) == certificate_arn:
            del self.domains[domain_name]


class FakeJobs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.broken = False

    def send(self, job: dict[str, Any]) -> None:
        if self.broken:
            raise ConnectionError("queue unavailable")
        self.sent.append(job)


class World:
    def __init__(self) -> None:
        self.repo = MemoryDomains()
        self.sealer = XorSealer()
        self.acm = FakeAcm()
        self.custom = FakeCustomDomains()
        self.jobs = FakeJobs()
        self.domain = Domain(
            sid="DN" + "1" * 32,
            account_sid="AC" + "1" * 32,
            domain_name=NAME,
            verification_token="t",
            date_created=NOW,
            date_updated=NOW,
            date_verified=NOW,
        )
        self.repo.items[self.domain.sid] = self.domain

    def upload(self, bundle: certs.Bundle) -> tuple[Domain, bool]:
        current = self.repo.get(self.domain.sid)
        assert current is not None
        return ci.upload_certificate(
            self.repo, self.sealer, self.jobs, current, bundle.tls_cert, allow_self_signed=False
        )

    def work(self) -> list[str]:
        outcomes = []
        while self.jobs.sent:
            job = ci.parse_job(self.jobs.sent.pop(0))
            if isinstance(job, ci.InstallJob):
                outcomes.append(
                    ci.install_certificate(self.repo, self.sealer, self.acm, self.custom, job, default_target=None)
                )
            else:
                ci.remove_installed(self.acm, self.custom, job)
                outcomes.append("removed")
        return outcomes

    @property
    def stored(self) -> Domain:
        stored = self.repo.get(self.domain.sid)
        assert stored is not None
        return stored


@pytest.fixture
def world() -> World:
    return World()


def test_upload_queues_the_key_sealed_to_its_upload(world: World) -> None:
    bundle = certs.issue(NAME)
    stored, first = world.upload(bundle)
    assert first is True
    [job] = world.jobs.sent
    assert job["action"] == "install" and job["certificate_pem"] == bundle.leaf_pem
    assert not any(fragment in json.dumps(job) for fragment in certs.key_fragments(bundle))
    upload = stored.certificate.upload  # type: ignore[union-attr]
    assert upload.status == "pending" and upload.upload_id == job["upload_id"]
    context = ci.seal_context(world.domain.sid, job["upload_id"])
    assert world.sealer.unseal(job["sealed_key"], context) == bundle.key_der
    with pytest.raises(PermissionError):
        world.sealer.unseal(job["sealed_key"], ci.seal_context(world.domain.sid, "another-upload"))
    assert world.upload(certs.issue(NAME))[1] is False


def test_install_records_the_certificate_and_target(world: World) -> None:
    bundle = certs.issue(NAME)
    world.upload(bundle)
    assert world.work() == ["installed"]
    record = world.stored.certificate
    assert record and record.upload is None and record.installed
    assert record.installed.not_after == bundle.leaf.not_valid_after_utc
    assert world.acm.certificates[record.installed.acm_arn] == (bundle.leaf_pem, bundle.key_der)
    assert world.custom.domains == {NAME: record.installed.acm_arn}
    assert world.stored.target_host == "d-17.execute-api.test"


def test_an_unverified_domain_cannot_upload(world: World) -> None:
    world.repo.items[world.domain.sid] = replace(world.domain, date_verified=None)
    with pytest.raises(TwilioError) as caught:
        world.upload(certs.issue(NAME))
    assert caught.value.code == 30101
    assert world.jobs.sent == [] and world.stored.certificate is None


def test_an_upload_that_cannot_be_queued_is_marked_failed(world: World) -> None:
    world.jobs.broken = True
    with pytest.raises(ConnectionError):
        world.upload(certs.issue(NAME))
    upload = world.stored.certificate.upload  # type: ignore[union-attr]
    assert upload.status == "failed" and upload.error_code == 20500


def test_a_superseded_job_does_nothing(world: World) -> None:
    world.upload(certs.issue(NAME, days=30))
    stale = world.jobs.sent.pop()
    newest = certs.issue(NAME, days=60)
    world.upload(newest)
    world.jobs.sent.insert(0, stale)
    assert world.work() == ["superseded", "installed"]
    assert [pem for pem, _ in world.acm.certificates.values()] == [newest.leaf_pem]


def test_domain_deleted_during_a_first_install_leaves_nothing_behind(world: World) -> None:
    world.upload(certs.issue(NAME))
    world.acm.during_import = lambda: world.repo.items.pop(world.domain.sid)
    assert world.work() == ["superseded"]
    assert world.acm.certificates == {} and world.custom.domains == {}


def test_new_upload_during_a_first_install_cleans_up_the_fresh_arn(world: World) -> None:
    world.upload(certs.issue(NAME, days=30))
    newest = certs.issue(NAME, days=60)
    world.acm.during_import = lambda: (setattr(world.acm, "during_import", lambda: None), world.upload(newest))
    assert world.work() == ["superseded", "installed"]
    [(arn, (pem, _key))] = world.acm.certificates.items()
    assert pem == newest.leaf_pem and world.custom.domains == {NAME: arn}


def test_new_upload_during_a_reimport_keeps_the_shared_arn(world: World) -> None:
    world.upload(certs.issue(NAME))
    world.work()
    arn = world.stored.certificate.installed.acm_arn  # type: ignore[union-attr]
    world.upload(certs.issue(NAME, days=45))
    newest = certs.issue(NAME, days=90)
    world.acm.during_import = lambda: (setattr(world.acm, "during_import", lambda: None), world.upload(newest))
    assert world.work() == ["superseded", "installed"]
    assert list(world.acm.certificates) == [arn] and world.custom.domains == {NAME: arn}
    assert world.acm.certificates[arn][0] == newest.leaf_pem


def test_rejected_by_acm_keeps_the_installed_certificate(world: World) -> None:
    first = certs.issue(NAME)
    world.upload(first)
    world.work()
    installed = world.stored.certificate.installed  # type: ignore[union-attr]
    world.acm.reject = "The certificate chain is not valid."
    world.upload(certs.issue(NAME, days=200))
    assert world.work() == ["rejected"]
    record = world.stored.certificate
    assert record and record.installed == installed
    assert record.upload and record.upload.status == "failed" and record.upload.error_code == 30132


def test_removing_queues_a_job_only_for_an_installed_certificate(world: World) -> None:
    world.upload(certs.issue(NAME))
    world.jobs.sent.clear()
    ci.remove_certificate(world.repo, world.jobs, world.stored)
    assert world.jobs.sent == [] and world.stored.certificate is None
    with pytest.raises(TwilioError) as caught:
        ci.remove_certificate(world.repo, world.jobs, world.stored)
    assert caught.value.code == 30107

    world.upload(certs.issue(NAME))
    world.work()
    arn = world.stored.certificate.installed.acm_arn  # type: ignore[union-attr]
    ci.remove_certificate(world.repo, world.jobs, world.stored)
    assert world.jobs.sent == [{"action": "remove", "domain_name": NAME, "acm_arn": arn}]
    assert world.work() == ["removed"]
    assert world.acm.certificates == {} and world.custom.domains == {}


@pytest.mark.parametrize("body", [{}, {"action": "install"}, {"action": "explode"}, {"action": "remove", "acm_arn": 1}])
def test_malformed_jobs_are_value_errors(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ci.parse_job(body)


def test_a_remove_job_for_a_certificate_still_in_use_is_refused() -> None:
    """Security finding 7: the worker checks remove jobs against the domains table; a job naming the
    certificate a verified domain still has installed (forged, or stale) removes nothing."""
    world = World()
    world.upload(certs.issue(NAME))
    assert world.work() == ["installed"]
    installed = world.stored.certificate.installed if world.stored.certificate else None
    assert installed is not None
    worker = ci.CertificateWorker(
        domains=world.repo,  # type: ignore[arg-type]
        sealer=lambda: world.sealer,
        acm=lambda: world.acm,
        custom_domains=lambda: world.custom,
        default_target=None,
    )
    forged = ci.RemoveJob(NAME, installed.acm_arn)
    assert worker.remove(forged) is False
    assert installed.acm_arn in world.acm.certificates and world.custom.domains[NAME] == installed.acm_arn

    ci.remove_certificate(world.repo, world.jobs, world.stored)  # DELETE .../Certificate marks it for removal
    (queued,) = [ci.parse_job(job) for job in world.jobs.sent]
    assert isinstance(queued, ci.RemoveJob) and worker.remove(queued) is True
    assert installed.acm_arn not in world.acm.certificates and NAME not in world.custom.domains
