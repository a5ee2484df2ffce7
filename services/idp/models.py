"""Every idp model, imported once so that ``Base.metadata`` is complete (Alembic, tests)."""

from __future__ import annotations

from idp.clients.models import Client
from idp.database import Base
from idp.keys.models import SigningKey

__all__ = ["Base", "Client", "SigningKey"]
