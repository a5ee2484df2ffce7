"""EGISZ's pages in the shared design (:mod:`shared.web`): the renderer, its texts and the error
pages browsers get instead of problem JSON."""

from __future__ import annotations

import importlib
from pathlib import Path

from starlette.requests import HTTPConnection

from egisz_api.settings import EgiszSettings
from shared.web import texts
from shared.web.errors import ErrorPages
from shared.web.rendering import PageRenderer, Site

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
LANG_COOKIE = "egisz_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "service_name": {"ru": "ЕГИСЗ — медицинские данные", "en": "EGISZ health records"},
    "home_title": {"ru": "Медицинские данные в ЕГИСЗ", "en": "Health records in EGISZ"},
    "home_intro": {
        "ru": "Единая государственная информационная система в сфере здравоохранения хранит "
        "медицинские документы граждан и передаёт их между медицинскими организациями.",
        "en": "The Unified State Health Information System keeps citizens' medical documents and "
        "passes them between medical organisations.",
    },
    "home_developers": {"ru": "Разработчикам медицинских систем", "en": "For developers of medical systems"},
    "home_api_docs": {"ru": "Описание API (OpenAPI)", "en": "API description (OpenAPI)"},
}


def feature_template_dirs() -> list[Path]:
    """Each feature package's ``templates/`` folder (``<feature>/templates/<feature>/page.html``, so
    names never collide), after the service's own."""
    return [TEMPLATES, *sorted(p for p in PACKAGE.glob("*/templates") if p.is_dir())]


def all_messages() -> dict[str, dict[str, str]]:
    """The service's texts and every feature's ``<feature>/texts.py`` ``MESSAGES``; a key defined twice
    fails at start-up rather than showing one feature's text on another's page."""
    merged = dict(MESSAGES)
    for texts_file in sorted(PACKAGE.glob("*/texts.py")):
        module = importlib.import_module(f"egisz_api.{texts_file.parent.name}.texts")
        for key, value in getattr(module, "MESSAGES", {}).items():
            if key in merged:
                raise ValueError(f"text {key!r} of egisz_api.{texts_file.parent.name} is already defined")
            merged[key] = value
    return merged


def build_renderer(settings: EgiszSettings) -> PageRenderer:
    site = Site(
        name=MESSAGES["service_name"],
        support_phone=settings.support_phone,
        support_email=settings.support_email,
        policy_url=settings.privacy_policy_url,
        timezone=settings.timezone,
    )
    # templates are re-read when edited only in dev mode; otherwise compiled once
    return PageRenderer(
        site, templates=feature_template_dirs(), messages=all_messages(), auto_reload=settings.dev_mode
    )


def locale_of(connection: HTTPConnection) -> str:
    """``?lang=``, then the cookie the switch sets, then ``Accept-Language``, then Russian."""
    return texts.negotiate(
        connection.query_params.get("lang"),
        connection.cookies.get(LANG_COOKIE),
        accept_language=connection.headers.get("accept-language"),
    )


def error_pages(renderer: PageRenderer) -> ErrorPages:
    return ErrorPages(renderer, locale_of)
