"""«Электронные подписи» (issue 11, item 2): bind a certificate to one's own account, list the bound
ones with their status, unbind one. One service per form (CONVENTIONS "One service call per
route"): each returns an outcome the page renders; the security log is written by ``pki.bound``.

A refusal is an outcome with the text key of its message, never an exception the page must know:
the same certificate problems (a private key in the file, another person's SNILS, an untrusted
issuer…) read the same wherever a certificate is uploaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.pki import bound
from idp.pki.context import PkiContext
from idp.pki.errors import (
    BoundCertificateNotFoundError,
    CertificateAlreadyBoundError,
    CertificateFormatError,
    CertificateNotTrustedError,
    CertificateTooLargeError,
    PrivateKeyRefusedError,
    SnilsMismatchError,
)

#: the verdict's reason → the text key of the message a person reads (login/i18n.py)
NOT_TRUSTED_TEXT = {
    "expired": "sig_e_expired",
    "not_yet_valid": "sig_e_not_yet_valid",
    "revoked": "sig_e_revoked",
    "untrusted_issuer": "sig_e_untrusted_issuer",
    "bad_key_usage": "sig_e_bad_key_usage",
    "chain_loop": "sig_e_chain_invalid",
    "chain_invalid": "sig_e_chain_invalid",
    "crl_unavailable": "sig_e_crl_unavailable",
}


@dataclass(frozen=True)
class CertificateBound:
    bound_id: int


@dataclass(frozen=True)
class BindRefused:
    """Nothing was stored; ``message`` is the text key, ``status`` the page's HTTP status."""

    message: str
    status: int = 422


BindOutcome = CertificateBound | BindRefused


def bind_my_certificate(pki: PkiContext, session: Session, account: Account, data: bytes) -> BindOutcome:
    """Bind an uploaded or pasted certificate (PEM, DER, base64) to the person's own account."""
    if not data.strip():
        return BindRefused("sig_e_empty")
    try:
        row = bound.bind_certificate(
            session,
            pki.cipher,
            account.id,
            data,
            clock=pki.clock,
            fetcher=pki.fetcher,
            policy=pki.policy,
            actor=f"account:{account.id}",
        )
    except PrivateKeyRefusedError:
        return BindRefused("sig_e_private_key")
    except CertificateTooLargeError:
        return BindRefused("sig_e_too_large", 413)
    except CertificateFormatError:
        return BindRefused("sig_e_invalid")
    except SnilsMismatchError:
        return BindRefused("sig_e_snils_mismatch")
    except CertificateAlreadyBoundError:
        # the same words whether it is bound here or to someone else: whose it is stays unsaid
        return BindRefused("sig_e_already_bound", 409)
    except CertificateNotTrustedError as exc:
        return BindRefused(NOT_TRUSTED_TEXT.get(exc.reason, "sig_e_chain_invalid"))
    return CertificateBound(row.id)


def my_certificates(pki: PkiContext, session: Session, account: Account) -> list[bound.BoundView]:
    """The bound certificates with their status now (expiring within 30 days, expired, revoked)."""
    return bound.list_certificates(session, account.id, now=pki.clock())


def my_certificate(
    pki: PkiContext, session: Session, account: Account, bound_id: int
) -> bound.BoundView | None:
    """One of the person's own certificates (another account's id reads as absent)."""
    return next((v for v in my_certificates(pki, session, account) if v.id == bound_id), None)


def unbind_my_certificate(session: Session, account: Account, bound_id: int) -> bool:
    """False when the account has no such certificate (another account's reads the same)."""
    try:
        bound.unbind_certificate(session, account.id, bound_id, actor=f"account:{account.id}")
    except BoundCertificateNotFoundError:
        return False
    return True
