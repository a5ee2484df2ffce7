"""The layering rules catch mistakes (issue 9, item 5): each import the review found passing is
written into a copy of the source tree, and import-linter or ruff must refuse it.

The same tree without the offending line passes, so a refusal is the line's doing, not a broken copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the linters read: the packages and pyproject.toml."""
    copy = tmp_path_factory.mktemp("layering")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "var", "node_modules")
    shutil.copytree(ROOT / "services", copy / "services", ignore=ignore)
    shutil.copytree(ROOT / "shared", copy / "shared", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _run(tree: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'services'}"}
    return subprocess.run(
        command, cwd=tree, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return _run(tree, str(BIN / "lint-imports"), "--no-cache")


def ruff(tree: Path, path: str) -> subprocess.CompletedProcess[str]:
    return _run(
        tree,
        str(BIN / "ruff"),
        "check",
        "--no-cache",
        "--select",
        "TID251",
        "--output-format",
        "concise",
        path,
    )


@pytest.fixture
def added(tree: Path) -> Iterator[list[tuple[Path, str | None]]]:
    """Lines appended by a test, removed again afterwards (files created by a test are deleted)."""
    changes: list[tuple[Path, str | None]] = []
    yield changes
    for path, original in reversed(changes):
        if original is None:
            path.unlink()
        else:
            path.write_text(original)


def append(changes: list[tuple[Path, str | None]], tree: Path, module: str, line: str) -> None:
    path = tree / "services" / module
    original = path.read_text() if path.exists() else None
    changes.append((path, original))
    path.write_text((original or "") + f"\n{line}\n")


def test_the_tree_as_committed_passes(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # a flow reaching up into its pages
        (
            "idp/login/flow.py",
            "from idp.login import routes as _up  # noqa: F401",
            "idp feature layers: pages -> services -> repository -> models BROKEN",
        ),
        # a lower feature reaching into the cabinet's pages
        (
            "idp/second_factor/codes.py",
            "from idp.cabinet import security_routes as _up  # noqa: F401",
            "no feature below the pages imports the login or cabinet pages BROKEN",
        ),
        # a service reading another feature's tables
        (
            "idp/cabinet/security.py",
            "from idp.accounts import repository as _theirs  # noqa: F401",
            "only accounts reads accounts' tables BROKEN",
        ),
        (
            "idp/login/flow.py",
            "from idp.tokens import repository as _theirs  # noqa: F401",
            "only tokens reads tokens' tables BROKEN",
        ),
    ],
    ids=[
        "login.flow->login.routes",
        "second_factor.codes->cabinet.security_routes",
        "cabinet.security->accounts.repository",
        "login.flow->tokens.repository",
    ],
)
def test_import_is_refused(
    tree: Path, added: list[tuple[Path, str | None]], module: str, line: str, contract: str
) -> None:
    append(added, tree, module, line)
    result = lint_imports(tree)
    assert result.returncode != 0
    assert contract in result.stdout, result.stdout
    importer = "idp." + module.removeprefix("idp/").removesuffix(".py").replace("/", ".")
    imported = line.split()[1] + "." + line.split()[3]
    assert f"{importer} -> {imported}" in result.stdout, result.stdout


def test_a_new_module_outside_every_layer_is_refused(
    tree: Path, added: list[tuple[Path, str | None]]
) -> None:
    """The layers contract is exhaustive: a module nobody placed in a layer breaks it."""
    append(added, tree, "idp/login/helpers.py", '"""Nobody placed this module in a layer."""')
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "idp.login.helpers" in result.stdout


def test_sql_in_a_route_is_refused(tree: Path, added: list[tuple[Path, str | None]]) -> None:
    """``sqlalchemy.select`` in login/routes.py: ruff's banned-api (TID251)."""
    append(added, tree, "idp/login/routes.py", "from sqlalchemy import select  # noqa: F401")
    result = ruff(tree, "services/idp/login/routes.py")
    assert result.returncode != 0
    assert "TID251 `sqlalchemy.select` is banned" in result.stdout


@pytest.mark.parametrize(
    "line",
    [
        "import sqlalchemy as sa\n_q = sa.update",
        "from sqlalchemy.sql import text  # noqa: F401",
        "from sqlalchemy import delete, insert  # noqa: F401",
    ],
)
def test_sql_in_a_service_is_refused_under_any_alias(
    tree: Path, added: list[tuple[Path, str | None]], line: str
) -> None:
    append(added, tree, "idp/accounts/lockout.py", line)
    result = ruff(tree, "services/idp/accounts/lockout.py")
    assert result.returncode != 0
    assert "TID251" in result.stdout


def test_sql_in_a_repository_is_allowed(tree: Path, added: list[tuple[Path, str | None]]) -> None:
    append(added, tree, "idp/login/repository.py", "from sqlalchemy import text, update  # noqa: F401")
    result = ruff(tree, "services/idp/login/repository.py")
    assert result.returncode == 0, result.stdout
