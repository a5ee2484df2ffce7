"""Rendering a template into every channel's form: e-mail subject, plain text and HTML, SMS, push.

Each template has, per locale, ``<name>.txt.j2`` (blocks ``subject``, ``text``, ``sms``,
``push_title``, ``push_body``; no escaping: plain text) and ``<name>.html.j2`` (autoescaped HTML
extending ``layout.html.j2``). ``StrictUndefined`` turns a parameter the catalog forgot into an
error instead of an empty string in a citizen's inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from notifier.rendering.catalog import get_spec, with_defaults
from shared.web import formatting

TEMPLATE_DIR = Path(__file__).parent / "templates"
LOCALES = ("ru", "en")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    push_title: str
    push_body: str


def _block(template: Template, name: str, context: Mapping[str, Any]) -> str:
    ctx = template.new_context(dict(context))
    return "".join(template.blocks[name](ctx)).strip()


def _times(value: str | None, timezone: str | None) -> dict[str, str]:
    """``at`` as the person's local time with its zone (the sender's ``timezone``, an IANA name;
    Moscow when not given): «01.12.2026 15:04 MSK»; an SMS, one segment long, gets the local
    «01.12 15:04» without the zone's name."""
    if not value:
        return {"at_text": "", "at_short": ""}
    tz = timezone or formatting.DEFAULT_TIMEZONE
    moment = formatting.local(dt.datetime.fromisoformat(value), tz)
    return {
        "at_text": formatting.format_datetime(moment, tz),
        "at_short": f"{moment:%d.%m %H:%M}",
    }


def _expiry(value: str | None, timezone: str | None) -> dict[str, str]:
    """``expires_at`` as the local date «22.12.2026» (an SMS) and moment with its zone (an e-mail)."""
    if not value:
        return {}
    tz = timezone or formatting.DEFAULT_TIMEZONE
    moment = dt.datetime.fromisoformat(value)
    return {
        "expires_date": formatting.format_date(moment, tz),
        "expires_text": formatting.format_datetime(moment, tz),
    }


class Renderer:
    def __init__(self, template_dir: Path = TEMPLATE_DIR) -> None:
        self.env = Environment(
            loader=FileSystemLoader(template_dir),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, template: str, locale: str, params: Mapping[str, Any]) -> Rendered:
        spec = get_spec(template)
        if locale not in LOCALES:
            raise ValueError(f"unsupported locale {locale!r}")
        context = with_defaults(spec, params)
        context.update(_times(context.get("at"), context.get("timezone")))
        context.update(_expiry(context.get("expires_at"), context.get("timezone")))
        text = self.env.get_template(f"{locale}/{template}.txt.j2")
        html = self.env.get_template(f"{locale}/{template}.html.j2")
        return Rendered(
            subject=_block(text, "subject", context),
            text=_block(text, "text", context) + "\n",
            html=html.render(context),
            sms=" ".join(_block(text, "sms", context).split()),
            push_title=_block(text, "push_title", context),
            push_body=" ".join(_block(text, "push_body", context).split()),
        )
