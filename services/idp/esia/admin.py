"""Administrative actions on the ESIA face's registrations, each an ``admin_action`` in the security
log (R-SEC-1): by the admin client of the admin API (:class:`AdminCaller`) or by an operator
command (``actor`` a plain name such as ``"cli"`` or ``"seed"``). A refused certificate upload is
logged too (``result="failure"`` and the refusal's code): a private key sent over the wire is an
event the security officer wants to see. Reads log nothing.

The registry keeps the rules; this module adds the log and drops the changed client from this
process's client cache (other replicas see the change within ``IDP_CLIENT_CACHE_SECONDS``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from idp.audit import service as audit
from idp.audit.service import AdminCaller
from idp.clients.secrets import SecretHasher
from idp.clients.service import ClientDirectory
from idp.esia import diagnostics, registry
from idp.esia.errors import DiagnosisNotFoundError
from idp.esia.models import EsiaClientCertificate, EsiaDiagnosis
from idp.esia.registry import EsiaClientSpec, Registration
from shared.errors import AppError

Actor = AdminCaller | str


def _log(
    session: Session, actor: Actor, action: str, details: dict[str, Any], *, result: str = "success"
) -> None:
    if isinstance(actor, AdminCaller):
        audit.record_admin_action(session, actor, action, result=result, details=details)
    else:
        audit.record_event(
            session,
            event_type="admin_action",
            result=result,
            actor=actor,
            details={"action": action, **details},
        )


def _forget(directory: ClientDirectory | None, client_id: str) -> None:
    if directory is not None:
        directory.invalidate(client_id)


def list_clients(session: Session) -> list[Registration]:
    return registry.registrations(session)


def read_client(session: Session, client_id: str) -> Registration:
    return registry.registration(session, client_id)


def create_client(
    session: Session,
    hasher: SecretHasher,
    spec: EsiaClientSpec,
    *,
    actor: Actor,
    directory: ClientDirectory | None = None,
) -> Registration:
    created = registry.register_client(session, hasher, spec)
    _forget(directory, spec.client_id)  # a cached "no such client" must not outlive the creation
    _log(
        session,
        actor,
        "esia_client_registered",
        {"client_id": spec.client_id, "mode": spec.mode, "signing_alg": spec.signing_alg},
    )
    return created


def update_client(
    session: Session,
    client_id: str,
    changes: Mapping[str, Any],
    *,
    actor: Actor,
    directory: ClientDirectory | None = None,
) -> Registration:
    updated, changed = registry.update_client(session, client_id, changes)
    _forget(directory, client_id)
    _log(session, actor, "esia_client_updated", {"client_id": client_id, "changed": changed})
    return updated


def remove_client(
    session: Session, client_id: str, *, actor: Actor, directory: ClientDirectory | None = None
) -> None:
    registry.remove_client(session, client_id)
    _forget(directory, client_id)
    _log(session, actor, "esia_client_removed", {"client_id": client_id})


def certificates(session: Session, client_id: str) -> Sequence[EsiaClientCertificate]:
    return registry.certificates(session, client_id)


def add_certificate(session: Session, client_id: str, data: bytes, *, actor: Actor) -> EsiaClientCertificate:
    """Register a certificate. A refusal is logged before it is raised: the caller must commit the
    session despite the error (the admin route answers it without raising) for the event to stay."""
    try:
        row = registry.register_certificate(session, client_id, data)
    except AppError as exc:
        _log(
            session,
            actor,
            "esia_certificate_registered",
            {"client_id": client_id[:128], "reason": exc.code},
            result="failure",
        )
        raise
    _log(
        session,
        actor,
        "esia_certificate_registered",
        {"client_id": client_id, "sha256": row.sha256, "algorithm": row.algorithm},
    )
    return row


def remove_certificate(session: Session, client_id: str, sha256: str, *, actor: Actor) -> None:
    row = registry.remove_certificate(session, client_id, sha256)
    _log(session, actor, "esia_certificate_removed", {"client_id": client_id, "sha256": row.sha256})


def diagnoses(session: Session, client_id: str, limit: int = 50) -> Sequence[EsiaDiagnosis]:
    registry.registration(session, client_id)
    return diagnostics.recent(session, client_id, limit)


def diagnosis(session: Session, handle: str) -> EsiaDiagnosis:
    row = diagnostics.find(session, handle.strip().lower())
    if row is None:
        raise DiagnosisNotFoundError(
            f"No diagnosis {handle!r} (they are kept {diagnostics.RETENTION.days} days)."
        )
    return row
