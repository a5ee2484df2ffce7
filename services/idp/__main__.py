"""`python -m idp`: the operator command line (migrate, seed, serve, keys, add-client)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from idp.cli import register
from idp.seed import seed
from idp.settings import IdpSettings
from shared.cli import run_cli


def _seed(settings: Any) -> dict[str, Any]:
    return seed(settings)


if __name__ == "__main__":
    sys.exit(
        run_cli(
            prog="idp",
            settings_factory=IdpSettings,
            app_factory="idp.main:create_app",
            migrations_path=Path(__file__).parent / "migrations",
            seed=_seed,
            extra=register,
        )
    )
