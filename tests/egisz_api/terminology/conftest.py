"""The FHIR server of tests/egisz_api/fhir (its migrated database holds the seeded terminology)."""

from __future__ import annotations

from tests.egisz_api.fhir.conftest import client, fhir_app, issuer  # noqa: F401 (fixtures)
