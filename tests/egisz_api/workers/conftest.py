"""The seeded egisz database of the record pages' tests (demo patients attached to the idp seed's
organisations by OGRN), reused for the worker pages."""

from tests.egisz_api.timeline.conftest import seeded_db, seeded_template  # noqa: F401
