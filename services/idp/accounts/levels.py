"""Account levels (R-ACC-4): registered → simplified → standard → confirmed, derived from facts.

- simplified: at least one contact (phone or e-mail) confirmed;
- standard: simplified, and the registry check of SNILS and passport passed;
- confirmed: standard, and identity proven (in person by an operator, or a qualified signature
  whose certificate names the same SNILS — the signature issue calls :func:`confirm_identity`).
"""

from __future__ import annotations

import datetime as dt

from idp.accounts.models import Account

ORDER = ("registered", "simplified", "standard", "confirmed")


def derived_level(account: Account) -> str:
    if not (account.phone_verified or account.email_verified):
        return "registered"
    if account.registry_status != "passed":
        return "simplified"
    if account.identity_confirmed_at is None:
        return "standard"
    return "confirmed"


def refresh_level(account: Account) -> tuple[str, str] | None:
    """Recompute; returns (old, new) when it changed, for the security log and the notice."""
    new = derived_level(account)
    old = account.level
    if new == old:
        return None
    account.level = new
    return old, new


def confirm_identity(account: Account, by: str, now: dt.datetime) -> tuple[str, str] | None:
    """Identity proven in person or by a qualified signature: the documents count as checked too."""
    account.registry_status = "passed"
    account.registry_reason = None
    account.registry_checked_at = now
    account.identity_confirmed_at = now
    account.identity_confirmed_by = by
    return refresh_level(account)


def next_step(account: Account) -> str | None:
    """What the next level needs, as a message key the cabinet renders."""
    level = derived_level(account)
    if level == "registered":
        return "next_confirm_contact"
    if level == "simplified":
        return "next_registry_check" if account.registry_status != "failed" else "next_fix_key_data"
    if level == "standard":
        return "next_confirm_identity"
    return None
