"""SMART App Launch v2 scopes (EGISZ.md §2.2): the grammar lives in :mod:`shared.smart_scopes`, which
the idp reads too when it grants them, so the two services cannot disagree about a scope."""

from __future__ import annotations

from shared.smart_scopes import Context, Scope, parse_scope, parse_scopes

__all__ = ["Context", "Scope", "parse_scope", "parse_scopes"]
