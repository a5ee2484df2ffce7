"""The configuration tables of README.md, generated from the three services' settings classes.

    .venv/bin/python deploy/settings_table.py                   # print the Markdown
    .venv/bin/python deploy/settings_table.py --write README.md # replace the text between the markers

`make docs` runs the second; tests/deploy/test_settings_table.py fails when README.md is stale.
Secrets never show their default (even a dev placeholder): the table says "(secret)".
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {
    "idp": "idp.settings:IdpSettings",
    "egisz_api": "egisz_api.settings:EgiszSettings",
    "notifier": "notifier.settings:NotifierSettings",
}
START = "<!-- settings:start -->"
END = "<!-- settings:end -->"


def settings_classes() -> dict[str, Any]:
    for path in (ROOT, ROOT / "services"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    classes = {}
    for service, target in SETTINGS.items():
        module, name = target.split(":")
        classes[service] = getattr(importlib.import_module(module), name)
    return classes


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def type_name(annotation: Any) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        names = [type_name(arg) for arg in args if arg is not type(None)]
        return " or ".join(names) + (", optional" if type(None) in args else "")
    if origin is typing.Literal:
        return " \\| ".join(f"`{arg}`" for arg in args)
    if origin in (dict, list):
        return f"JSON {'object' if origin is dict else 'list'}"
    if annotation is SecretStr:
        return "secret"
    return getattr(annotation, "__name__", str(annotation))


def default_text(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if _is_secret(field.annotation):
        return "(secret)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict | list):
        return f"`{json.dumps(value, ensure_ascii=False)}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    parts = []
    for service, cls in settings_classes().items():
        prefix = cls.model_config["env_prefix"]
        parts += [
            f"### {service} (`{prefix}*`)",
            "",
            "| variable | type | default | description |",
            "|---|---|---|---|",
        ]
        for name, field in cls.model_fields.items():
            # type_name already escapes the pipes of its Literal choices
            kind = type_name(field.annotation)
            parts.append(
                f"| `{prefix}{name.upper()}` | {kind} | {_cell(default_text(field))} "
                f"| {_cell(field.description or '')} |"
            )
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


def replace_section(document: str, table: str) -> str:
    if document.count(START) != 1 or document.count(END) != 1 or document.index(START) > document.index(END):
        raise SystemExit(f"expected one {START} ... {END} pair")
    head, rest = document.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", type=Path, metavar="FILE", help="replace the section between the markers")
    args = parser.parse_args(argv)
    table = render()
    if args.write is None:
        sys.stdout.write(table)
        return 0
    document = args.write.read_text(encoding="utf-8")
    updated = replace_section(document, table)
    if updated != document:
        args.write.write_text(updated, encoding="utf-8")
        print(f"{args.write}: settings table updated")
    else:
        print(f"{args.write}: settings table already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
