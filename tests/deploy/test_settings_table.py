"""deploy/settings_table.py: README.md's configuration tables stay true to the settings classes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import SecretStr

pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parents[2]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("settings_table", ROOT / "deploy/settings_table.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = load_generator()


def test_readme_shows_the_generated_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(generator.START)[1].split(generator.END)[0]
    assert section == "\n" + generator.render(), "README.md is stale: run `make docs`"


@pytest.mark.parametrize("service", list(generator.SETTINGS))
def test_every_setting_has_a_description(service: str) -> None:
    cls = generator.settings_classes()[service]
    missing = [name for name, field in cls.model_fields.items() if not (field.description or "").strip()]
    assert missing == []


@pytest.mark.parametrize("service", list(generator.SETTINGS))
def test_every_setting_is_in_the_table(service: str) -> None:
    cls = generator.settings_classes()[service]
    prefix = cls.model_config["env_prefix"]
    table = generator.render()
    assert all(f"| `{prefix}{name.upper()}` |" in table for name in cls.model_fields)


def test_secret_defaults_are_not_shown() -> None:
    table = generator.render()
    for cls in generator.settings_classes().values():
        for field in cls.model_fields.values():
            default = field.get_default(call_default_factory=True)
            if isinstance(default, SecretStr):
                assert default.get_secret_value() not in table
    assert "(secret)" in table


def test_write_replaces_only_the_section_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n{generator.START}\nold table\n{generator.END}\nafter\n")
    assert generator.main(["--write", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("# Title\n\nbefore\n") and text.endswith(f"{generator.END}\nafter\n")
    assert "old table" not in text and "`IDP_ISSUER`" in text
    assert generator.main(["--write", str(readme)]) == 0
    assert readme.read_text() == text


def test_write_refuses_a_file_without_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    with pytest.raises(SystemExit):
        generator.main(["--write", str(readme)])
