"""The seeded egisz database of the record pages' tests, reused for the worker forms."""

from tests.egisz_api.timeline.conftest import seeded_db, seeded_template  # noqa: F401
