"""Login by electronic signature (issue 11 item 3), after the page has read the signature:

1. the challenge is spent (single use, this browser's, not expired: :mod:`idp.pki.challenges`);
2. the CMS signature must verify over exactly the challenge's bytes (:func:`idp.pki.cms.verify_cms`:
   detached or attached, DER, PEM or base64);
3. the signer's certificate must be trusted now (:func:`idp.pki.trust.validate_certificate` at the
   injected clock's now: chain to a trusted CA, validity, CRL, key usage); its kind is ``qes`` (КЭП,
   an accredited CA) or ``ues`` (УНЭП);
4. the account: the one the certificate is bound to; otherwise, for a qualified certificate only,
   the account whose SNILS the certificate names — the certificate is then bound to it and the
   account's identity counts as confirmed (``levels.confirm_identity``, R-ACC-4);
5. the session, through the same :func:`flow.complete_login` as the password login, with the
   signature's ``acr``/``amr`` (``urn:idp:acr:qes``/``hwk`` or ``urn:idp:acr:sig``/``swk``).

Every refusal is a ``login_failed`` event (``method: signature`` and the reason) and one
:class:`Refusal` whose ``reason`` the page explains. A lockout (wrong passwords) does not stop a
signature login: it guards against guessing a password, and a signature is not guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import levels
from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.audit import service as audit
from idp.login import flow
from idp.login.flow import Client, LoginContext
from idp.pki import bound, challenges, cms, trust
from idp.pki.algorithms import SignatureError
from idp.pki.context import crl_policy
from idp.pki.errors import CertificateFormatError, CertificateTooLargeError, PrivateKeyRefusedError
from idp.sessions.models import UserSession

#: verify_cms's error codes → the refusal the page explains
_SIGNATURE_REASONS = {
    "signature_too_large": "too_large",
    "signature_corrupt": "unreadable",
    "not_signed_data": "unreadable",
    "no_signer": "unreadable",
    "signer_certificate_missing": "no_certificate",
    "certificate_unreadable": "unreadable",
    "private_key_given": "private_key",
    "unsupported_algorithm": "unsupported_algorithm",
    "content_mismatch": "wrong_signature",
    "digest_mismatch": "wrong_signature",
    "signature_wrong": "wrong_signature",
    "verifier_failed": "verifier_failed",
}
#: trust verdicts → refusals (a chain that loops or breaks is an issuer the idp cannot trust)
_VERDICT_REASONS = {
    "expired": "expired",
    "not_yet_valid": "not_yet_valid",
    "revoked": "revoked",
    "untrusted_issuer": "untrusted_issuer",
    "chain_loop": "untrusted_issuer",
    "chain_invalid": "untrusted_issuer",
    "bad_key_usage": "bad_key_usage",
    "crl_unavailable": "crl_unavailable",
}


@dataclass(frozen=True)
class Refusal:
    """Why the signature did not sign the person in (a key of the page's messages)."""

    reason: str


@dataclass(frozen=True)
class SignatureLogin:
    """A session began: its cookie, the account and the kind of certificate (``qes``/``ues``)."""

    cookie: str
    account: Account
    kind: str
    bound_now: bool


def _refused(
    session: Session, who: Client, reason: str, account: Account | None = None, **extra: Any
) -> Refusal:
    audit.record_event(
        session,
        event_type="login_failed",
        result="failure",
        actor=f"account:{account.id}" if account is not None else "anonymous",
        account_id=account.id if account is not None else None,
        ip=who.ip,
        user_agent=who.user_agent,
        details={"method": "signature", "reason": reason, **extra},
    )
    return Refusal(reason)


def sign_in(
    ctx: LoginContext,
    session: Session,
    *,
    challenge_id: str,
    csrf_cookie: str | None,
    signature: bytes,
    who: Client,
    current: UserSession | None,
    device_cookie: str | None,
    fetcher: trust.CrlFetcher | None,
    on_commit: Any,
) -> SignatureLogin | Refusal:
    """Steps 1-5 of the module docstring."""
    now = ctx.clock()
    spent = challenges.spend(session, challenge_id, csrf_cookie=csrf_cookie, now=now)
    if isinstance(spent, challenges.Refused):
        return _refused(session, who, f"challenge_{spent.reason}")
    try:
        verified = cms.verify_cms(signature, spent.text.encode("ascii"))
    except SignatureError as exc:
        return _refused(session, who, _SIGNATURE_REASONS.get(exc.code, "unreadable"))
    policy = crl_policy(ctx.settings)
    others = [der for der in verified.certificates if der != verified.signer_certificate]
    try:
        verdict = trust.validate_certificate(
            session,
            verified.signer_certificate,
            intermediates=others,
            clock=ctx.clock,
            fetcher=fetcher,
            policy=policy,
        )
    except (CertificateFormatError, CertificateTooLargeError, PrivateKeyRefusedError):
        return _refused(session, who, "unreadable")
    info = verdict.certificate
    if not verdict.ok or verdict.kind is None:
        reason = _VERDICT_REASONS.get(verdict.reason, "untrusted_issuer")
        return _refused(session, who, reason, thumbprint=info.thumbprint)
    account, bound_now = _account_for(ctx, session, verdict)
    if account is None:
        return _refused(session, who, "not_bound", thumbprint=info.thumbprint, kind=verdict.kind)
    if bound_now:
        bound.bind_validated(session, account.id, verdict, now=now, actor=f"account:{account.id}")
    if (
        verdict.kind == "qes"
        and account.identity_confirmed_at is None
        and (bound_now or _names_account(ctx, session, info.snils, account))
    ):
        _confirm_identity(session, account, who, now=now)
    cookie = flow.complete_login(
        ctx,
        session,
        account,
        method=f"signature_{verdict.kind}",
        current=current,
        who=who,
        new_device=not flow.is_trusted(ctx, session, account, device_cookie),
        on_commit=on_commit,
        details={"method": "signature", "thumbprint": info.thumbprint, "kind": verdict.kind},
        cert_thumbprint=info.thumbprint,
    )
    return SignatureLogin(cookie, account, verdict.kind, bound_now)


def _account_for(ctx: LoginContext, session: Session, verdict: trust.Verdict) -> tuple[Account | None, bool]:
    """(account, whether the certificate must be bound to it now)."""
    info = verdict.certificate
    account_id = bound.bound_account_id(session, info.thumbprint)
    if account_id is not None:
        return accounts_service.get_account(session, account_id), False
    if verdict.kind != "qes" or info.snils is None:
        return None, False  # an unqualified certificate is bound in the cabinet first
    return accounts_service.find_by_snils(session, ctx.field_cipher, info.snils), True


def _names_account(ctx: LoginContext, session: Session, snils: str | None, account: Account) -> bool:
    """A qualified certificate bound in the cabinet before its first login proves who the person
    is as well, when it names the account's own SNILS."""
    if snils is None:
        return False
    owner = accounts_service.find_by_snils(session, ctx.field_cipher, snils)
    return owner is not None and owner.id == account.id


def _confirm_identity(session: Session, account: Account, who: Client, *, now: dt.datetime) -> None:
    """A qualified certificate naming the account's SNILS proves who the person is (R-ACC-4)."""
    change = levels.confirm_identity(account, by="qualified_signature", now=now)
    session.flush()
    if change is not None:
        audit.record_event(
            session,
            event_type="level_changed",
            result="success",
            actor=f"account:{account.id}",
            account_id=account.id,
            ip=who.ip,
            user_agent=who.user_agent,
            details={"from": change[0], "to": change[1], "by": "qualified_signature"},
        )
