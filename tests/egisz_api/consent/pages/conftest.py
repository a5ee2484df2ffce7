"""The cabinet's app and in-process browser client (tests/egisz_api/cabinet/conftest.py)."""

from __future__ import annotations

from tests.egisz_api.cabinet.conftest import cabinet_app, client, clock  # noqa: F401
