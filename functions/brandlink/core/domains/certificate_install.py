"""The certificate life cycle: upload (API), install and removal (worker), all behind small interfaces.

The private key leaves the API only sealed (KMS-encrypted, bound to the domain and the upload by
the encryption context) inside the job message; the worker unseals it and hands it straight to
ACM. No store, log line, response or queue body ever holds it in clear.

An upload answers at once with ``cert_in_validation: pending``. The worker re-imports into the
same ACM ARN when a certificate is replaced, points the API Gateway custom domain at it, then
records the result — unless a newer upload superseded this one meanwhile.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.domains.model import DOMAIN_PATH, CertificateRecord, CertificateUpload, Domain, InstalledCertificate
from brandlink.core.domains.repository import DomainGone, DomainRepository


class KeySealer(Protocol):
    def seal(self, plaintext: bytes, context: dict[str, str]) -> str:
        """Encrypt ``plaintext``; the result (text) can only be opened with the same ``context``."""
        ...

    def unseal(self, sealed: str, context: dict[str, str]) -> bytes: ...


class CertificateJobQueue(Protocol):
    def send(self, job: dict[str, Any]) -> None: ...


class CertificateRejected(Exception):
    """ACM refused the certificate (its message says why)."""


class CertificateAuthorityStore(Protocol):
    """ACM."""

    def import_certificate(
        self, certificate_pem: str, chain_pem: str | None, private_key_der: bytes, existing_arn: str | None
    ) -> str:
        """Import (re-import into ``existing_arn`` when given and still present); returns the ARN.
        Raises ``CertificateRejected`` when ACM refuses the certificate."""
        ...

    def delete_certificate(self, arn: str) -> None:
        """Delete; a certificate that is already gone is fine."""
        ...


class CustomDomains(Protocol):
    """API Gateway custom domains mapped to the redirect API."""

    def ensure(self, domain_name: str, certificate_arn: str) -> str | None:
        """Create or update the custom domain and its mapping; returns its DNS target host name."""
        ...

    def remove(self, domain_name: str, certificate_arn: str) -> None:
        """Delete the custom domain if (and only if) it still uses ``certificate_arn``."""
        ...


@dataclass(frozen=True)
class InstallJob:
    domain_sid: str
    upload_id: str
    certificate_pem: str
    chain_pem: str | None
    sealed_key: str

    @property
    def seal_context(self) -> dict[str, str]:
        return seal_context(self.domain_sid, self.upload_id)


@dataclass(frozen=True)
class RemoveJob:
    domain_name: str
    acm_arn: str


def seal_context(domain_sid: str, upload_id: str) -> dict[str, str]:
    return {"brandlink:domain_sid": domain_sid, "brandlink:upload_id": upload_id}


def job_body(job: InstallJob | RemoveJob) -> dict[str, Any]:
    if isinstance(job, InstallJob):
        return {
            "action": "install",
            "domain_sid": job.domain_sid,
            "upload_id": job.upload_id,
            "certificate_pem": job.certificate_pem,
            "chain_pem": job.chain_pem,
            "sealed_key": job.sealed_key,
        }
    return {"action": "remove", "domain_name": job.domain_name, "acm_arn": job.acm_arn}


def parse_job(body: dict[str, Any]) -> InstallJob | RemoveJob:
    """Raises ``ValueError`` for a body that is not a job (it then goes to the DLQ)."""
    try:
        if body["action"] == "install":
            return InstallJob(
                domain_sid=str(body["domain_sid"]),
                upload_id=str(body["upload_id"]),
                certificate_pem=str(body["certificate_pem"]),
                chain_pem=body.get("chain_pem"),
                sealed_key=str(body["sealed_key"]),
            )
        if body["action"] == "remove":
            return RemoveJob(domain_name=str(body["domain_name"]), acm_arn=str(body["acm_arn"]))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed certificate job: missing {exc}") from None
    raise ValueError(f"unknown certificate job action {body.get('action')!r}")


# --- API side -------------------------------------------------------------------------------


def _record_upload(domain: Domain, upload: CertificateUpload) -> Domain:
    now = upload.date_uploaded
    record = domain.certificate or CertificateRecord(sid=sids.new_sid("CW"), date_created=now, date_updated=now)
    return replace(domain, certificate=replace(record, upload=upload, date_updated=now), date_updated=now)


def upload_certificate(
    repo: DomainRepository,
    sealer: KeySealer,
    jobs: CertificateJobQueue,
    domain: Domain,
    tls_cert: str | None,
    *,
    allow_self_signed: bool,
) -> tuple[Domain, bool]:
    """Validate, seal the key, record the pending upload and queue the install.

    Returns the domain and whether this is the domain's first certificate (201) or a replacement
    (200). A rejected certificate changes nothing: the previous one stays in place.
    """
    if not domain.verified:
        raise TwilioError(
            ErrorCode.DOMAIN_UNVERIFIED,
            f"Domain {domain.domain_name} is not verified: publish TXT {domain.verification_record_name} "
            f'"{domain.verification_record_value}", then upload the certificate again.',
        )
    # cryptography loads with the first upload: no other route of the API parses a certificate.
    from brandlink.core.domains.certificates import validate_tls_cert

    now = utcnow()
    validated = validate_tls_cert(tls_cert, domain.domain_name, now=now, allow_self_signed=allow_self_signed)
    upload_id = uuid.uuid4().hex
    sealed = sealer.seal(validated.private_key_der, seal_context(domain.sid, upload_id))
    upload = CertificateUpload(
        upload_id=upload_id,
        status="pending",
        not_after=validated.not_after,
        fingerprint_sha256=validated.fingerprint_sha256,
        date_uploaded=now,
    )
    first = domain.certificate is None
    try:
        stored = repo.update(domain.sid, lambda current: _record_upload(current, upload))
    except DomainGone:
        raise TwilioError.not_found(f"Domain {domain.sid}") from None
    job = InstallJob(domain.sid, upload_id, validated.certificate_pem, validated.chain_pem, sealed)
    try:
        jobs.send(job_body(job))
    except Exception:
        _fail_upload(
            repo,
            domain.sid,
            upload_id,
            ErrorCode.INTERNAL_ERROR,
            "The certificate could not be queued for installation; upload it again.",
        )
        raise
    return stored, first


def remove_certificate(repo: DomainRepository, jobs: CertificateJobQueue, domain: Domain) -> None:
    """DELETE .../Certificate: forget it now; the worker removes it from API Gateway and ACM."""
    removed: list[InstalledCertificate] = []

    def drop(current: Domain) -> Domain:
        if current.certificate is None:
            raise no_certificate(current)
        removed[:] = [current.certificate.installed] if current.certificate.installed else []
        return replace(current, certificate=None, target_host=None, date_updated=utcnow())

    try:
        repo.update(domain.sid, drop)
    except DomainGone:
        raise TwilioError.not_found(f"Domain {domain.sid}") from None
    for installed in removed:
        jobs.send(job_body(RemoveJob(domain.domain_name, installed.acm_arn)))


def removal_jobs(domain: Domain) -> list[RemoveJob]:
    """What must be cleaned up in ACM / API Gateway when ``domain`` is deleted."""
    installed = domain.certificate.installed if domain.certificate else None
    return [RemoveJob(domain.domain_name, installed.acm_arn)] if installed else []


def no_certificate(domain: Domain) -> TwilioError:
    return TwilioError(
        ErrorCode.NO_CERTIFICATE,
        f"Domain {domain.domain_name} has no certificate: upload one with "
        f"POST {DOMAIN_PATH}/{domain.sid}/Certificate (TlsCert).",
        status=404,
    )


# --- worker side ------------------------------------------------------------------------------

InstallOutcome = Literal["installed", "rejected", "superseded"]


def _current_upload(domain: Domain | None, upload_id: str) -> CertificateUpload | None:
    if domain is None or domain.certificate is None or domain.certificate.upload is None:
        return None
    upload = domain.certificate.upload
    return upload if upload.upload_id == upload_id and upload.status == "pending" else None


class _Superseded(Exception):
    pass


def _fail_upload(repo: DomainRepository, domain_sid: str, upload_id: str, code: ErrorCode, message: str) -> None:
    def mark(domain: Domain) -> Domain:
        upload = _current_upload(domain, upload_id)
        if upload is None or domain.certificate is None:
            raise _Superseded
        failed = replace(upload, status="failed", error_code=code, error_message=message)
        return replace(domain, certificate=replace(domain.certificate, upload=failed))

    try:
        repo.update(domain_sid, mark)
    except (_Superseded, DomainGone):
        return


def give_up_install(repo: DomainRepository, job: InstallJob) -> None:
    """The last delivery attempt failed: show the upload as failed instead of pending forever."""
    _fail_upload(
        repo,
        job.domain_sid,
        job.upload_id,
        ErrorCode.INTERNAL_ERROR,
        "The certificate could not be installed; upload it again.",
    )


def install_certificate(
    repo: DomainRepository,
    sealer: KeySealer,
    acm: CertificateAuthorityStore,
    custom_domains: CustomDomains,
    job: InstallJob,
    *,
    default_target: str | None,
) -> InstallOutcome:
    """Import into ACM, wire the custom domain, record the result. Transient AWS errors propagate
    (the queue retries); a certificate ACM refuses is recorded as failed with 30132."""
    domain = repo.get(job.domain_sid)
    if _current_upload(domain, job.upload_id) is None or domain is None or domain.certificate is None:
        return "superseded"
    installed = domain.certificate.installed
    try:
        arn = acm.import_certificate(
            job.certificate_pem,
            job.chain_pem,
            sealer.unseal(job.sealed_key, job.seal_context),
            installed.acm_arn if installed else None,
        )
    except CertificateRejected as exc:
        _fail_upload(
            repo, job.domain_sid, job.upload_id, ErrorCode.CERTIFICATE_NOT_VALID, f"ACM refused the certificate: {exc}"
        )
        return "rejected"
    target = custom_domains.ensure(domain.domain_name, arn) or default_target
    now = utcnow()

    def finish(current: Domain) -> Domain:
        upload = _current_upload(current, job.upload_id)
        if upload is None or current.certificate is None:
            raise _Superseded
        done = InstalledCertificate(
            acm_arn=arn, not_after=upload.not_after, fingerprint_sha256=upload.fingerprint_sha256, date_installed=now
        )
        record = replace(current.certificate, installed=done, upload=None, date_updated=now)
        return replace(current, certificate=record, target_host=target, date_updated=now)

    try:
        repo.update(job.domain_sid, finish)
    except (DomainGone, _Superseded):
        _clean_up_orphan(repo, acm, custom_domains, job.domain_sid, domain.domain_name, arn)
        return "superseded"
    return "installed"


def _clean_up_orphan(
    repo: DomainRepository,
    acm: CertificateAuthorityStore,
    custom_domains: CustomDomains,
    domain_sid: str,
    domain_name: str,
    arn: str,
) -> None:
    """The upload was superseded (deleted, replaced) while installing: remove what was just created,
    unless the domain still serves that ARN (a re-import into the installed certificate's ARN)."""
    current = repo.get(domain_sid)
    installed = current.certificate.installed if current and current.certificate else None
    if installed is None or installed.acm_arn != arn:
        remove_installed(acm, custom_domains, RemoveJob(domain_name, arn))


def removal_refused(repo: DomainRepository, job: RemoveJob) -> bool:
    """Whether a remove job contradicts the domains table (security finding 7): the verified domain of
    that name still has exactly that certificate installed, so nothing marked it for removal (a
    DELETE of the certificate or the domain clears the record before it queues the job). A forged or
    stale job must not take a live domain off the air."""
    holder = repo.verified_domain(job.domain_name)
    certificate = holder.certificate if holder is not None else None
    installed = certificate.installed if certificate is not None else None
    return installed is not None and installed.acm_arn == job.acm_arn


def remove_installed(acm: CertificateAuthorityStore, custom_domains: CustomDomains, job: RemoveJob) -> None:
    custom_domains.remove(job.domain_name, job.acm_arn)
    acm.delete_certificate(job.acm_arn)


@dataclass(frozen=True)
class CertificateWorker:
    """What the certificates queue's consumer does with one job; the AWS pieces are built on first use
    (``brandlink.wiring.certificate_worker()``), so a missing setting fails the job, not the import."""

    domains: DomainRepository
    sealer: Callable[[], KeySealer]
    acm: Callable[[], CertificateAuthorityStore]
    custom_domains: Callable[[], CustomDomains]
    default_target: str | None

    def install(self, job: InstallJob) -> InstallOutcome:
        return install_certificate(
            self.domains, self.sealer(), self.acm(), self.custom_domains(), job, default_target=self.default_target
        )

    def remove(self, job: RemoveJob) -> bool:
        """Remove what the job names, unless stored state still uses it (``removal_refused``): False then."""
        if removal_refused(self.domains, job):
            return False
        custom_domains = self.custom_domains()
        remove_installed(self.acm(), custom_domains, job)
        return True

    def give_up(self, job: InstallJob) -> None:
        give_up_install(self.domains, job)
