"""The Jinja2 environment every service renders its pages with.

The service's own templates come first, then the shared ``layout.html``, ``components.html`` and
``error.html``; ``t`` looks a text up in the service's texts, then in the shared ones; the
``date``, ``datetime``, ``time`` and ``snils`` filters show values as people read them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from shared.web import formatting, texts

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
#: where the shared stylesheet is served from in every service
STATIC_PATH = "/static/design"

#: RFC 9700 §4.16 (clickjacking), §4.2/4.3 (no caching or leaking of codes via Referer)
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self' http: https:",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Site:
    """What the layout says about the service: its name, home, support line and policy."""

    name: Mapping[str, str]
    home_url: str = "/"
    support_phone: str = "8 800 100-00-00"
    support_email: str = "support@example.org"
    policy_url: str = "/privacy"
    timezone: str = formatting.DEFAULT_TIMEZONE


@pass_context
def _date(context: Context, value: Any) -> str:
    return formatting.format_date(value, context["timezone"])


@pass_context
def _datetime(context: Context, value: Any) -> str:
    return formatting.format_datetime(value, context["timezone"])


@pass_context
def _time(context: Context, value: Any) -> str:
    return formatting.format_time(value, context["timezone"])


class PageRenderer:
    def __init__(
        self,
        site: Site,
        *,
        templates: Path | Sequence[Path] | None = None,
        messages: Mapping[str, Mapping[str, str]] | None = None,
        auto_reload: bool = False,
    ) -> None:
        """``auto_reload``: look for edited template files on every render (dev mode). Off, each
        template is compiled once, on its first render, and served from memory after that."""
        formatting.zone(site.timezone)  # an unknown zone fails at start-up, not on a page
        loaders = [FileSystemLoader(templates)] if templates else []
        self.site = site
        self.messages = messages or {}
        self.env = Environment(
            loader=ChoiceLoader([*loaders, FileSystemLoader(TEMPLATES)]),
            autoescape=select_autoescape(["html"]),
            auto_reload=auto_reload,
        )
        self.env.filters.update(date=_date, datetime=_datetime, time=_time, snils=formatting.format_snils)

    def text(self, key: str, locale: str, **params: Any) -> str:
        found = texts.lookup(self.messages, key, locale)
        if found is None:
            found = texts.lookup(texts.MESSAGES, key, locale)
        if found is None:
            raise KeyError(key)
        return found.format(**params)

    def html(self, template: str, locale: str, **context: Any) -> str:
        def t(key: str, **params: Any) -> str:
            return self.text(key, locale, **params)

        context.setdefault("switch_url", None)
        context.setdefault("title", "")
        return self.env.get_template(template).render(
            t=t,
            locale=locale,
            site=self.site,
            service_name=self.site.name.get(locale) or self.site.name["ru"],
            timezone=self.site.timezone,
            design_url=STATIC_PATH,
            **context,
        )

    def page(
        self,
        template: str,
        locale: str,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        return HTMLResponse(
            self.html(template, locale, **context),
            status_code=status,
            headers={**PAGE_HEADERS, **(headers or {})},
        )


def mount_design(app: FastAPI) -> None:
    """Serve the shared stylesheet at ``/static/design`` (mount it before a service's ``/static``)."""
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="design")
