"""Issue 10 item 1: the one design's layout and components, rendered through the shared
:class:`PageRenderer` exactly as a service renders a page, each checked for the pattern it promises
(GOV.UK / USWDS: label → hint → error → input, an error summary linking to each field, dates as three
fields, tables that fold on a phone by labelling each cell)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from shared.web.rendering import TEMPLATES, PageRenderer, Site

PAGE = """{% extends "layout.html" %}
{% import "components.html" as ui with context %}
{% block content %}
{{ ui.back_link("/before") }}
{{ ui.error_summary([("name", "Enter your name"), ("born-day", "No such date")]) }}
{{ ui.field("name", "Name", value="<b>typed</b>", hint="As in the passport", error="Enter your name") }}
{{ ui.field("secret", "Password", value="hunter2", type="password") }}
{{ ui.date_input("born", "Date of birth", value=born, error="No such date", autocomplete_prefix="bday") }}
{{ ui.radios("method", "Second factor", [{"value": "sms", "label": "SMS", "checked": True},
     {"value": "totp", "label": "App", "disabled": True, "hint": "Connect the app first"}]) }}
{{ ui.checkboxes("scopes", "Permissions", [{"value": "email", "label": "E-mail"}]) }}
{{ ui.button("Save") }}{{ ui.button("Cancel", secondary=True) }}
{% for kind in ["success", "warning", "error"] %}
{{ ui.banner(kind, "Banner " ~ kind, link="/fix", link_text="Fix") }}
{% endfor %}
{{ ui.tabs([("/a", "A"), ("/b", "B")], "/b", "Sections") }}
{{ ui.table("Events", ["When", "What"], [["01.12.2026 15:04 MSK", "Sign-in"]]) }}
{% endblock %}"""


@pytest.fixture
def renderer(tmp_path: Path) -> PageRenderer:
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    site = Site(
        name={"ru": "Сервис", "en": "Service"}, support_phone="8 800 000-00-00", support_email="help@x.test"
    )
    return PageRenderer(site, templates=tmp_path)


def _render(renderer: PageRenderer, locale: str = "en") -> str:
    return renderer.html(
        "page.html", locale, title="Form", switch_url="/page?lang=ru", born=dt.date(1990, 3, 5)
    )


def _tag(html: str, element: str, id_: str) -> str:
    match = re.search(rf'<{element}[^>]*\bid="{re.escape(id_)}"[^>]*>', html, re.S)
    assert match, id_
    return match.group(0)


def test_the_layout_names_the_service_support_policy_and_offers_the_other_language(
    renderer: PageRenderer,
) -> None:
    html = _render(renderer)
    assert '<html lang="en">' in html and "<title>Form — Service</title>" in html
    header = html[html.index('<header class="site-header"') : html.index("</header>")]
    assert ">Service</a>" in header and 'href="/page?lang=ru"' in header and 'lang="ru"' in header
    footer = html[html.index('<footer class="site-footer"') : html.index("</footer>")]
    assert "Support line: 8 800 000-00-00 (24 hours a day" in footer
    assert 'href="mailto:help@x.test"' in footer and 'href="/privacy"' in footer
    assert 'href="/page?lang=ru"' in footer
    russian = _render(renderer, "ru")
    assert (
        "Телефон горячей линии: 8 800 000-00-00 (круглосуточно" in russian and '<html lang="ru">' in russian
    )


def test_a_field_shows_its_error_above_the_input_and_describes_it(renderer: PageRenderer) -> None:
    html = _render(renderer)
    block = html[html.index('for="name"') : html.index('id="name"')]
    assert block.index('id="name-hint"') < block.index('id="name-error"')  # label, hint, error, input
    tag = _tag(html, "input", "name")
    assert 'aria-describedby="name-hint name-error"' in tag and 'aria-invalid="true"' in tag
    assert 'value="&lt;b&gt;typed&lt;/b&gt;"' in tag  # what was typed is kept, escaped
    assert 'class="field field--error"' in html
    assert "value=" not in _tag(html, "input", "secret")  # a password is never echoed


def test_the_error_summary_links_to_each_field(renderer: PageRenderer) -> None:
    html = _render(renderer)
    summary = html[html.index('<div class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert 'role="alert"' in summary and "There is a problem" in summary
    assert re.findall(r'href="#([^"]+)"', summary) == ["name", "born-day"]
    assert html.index("error-summary") < html.index('id="name"')


def test_a_date_is_three_labelled_fields_day_month_year(renderer: PageRenderer) -> None:
    html = _render(renderer)
    values = {
        part: re.search(r'value="([^"]*)"', _tag(html, "input", f"born-{part}"))
        for part in ("day", "month", "year")
    }
    assert {k: v.group(1) for k, v in values.items() if v} == {"day": "05", "month": "03", "year": "1990"}
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert f'<label class="date-input__label" for="born-{part}">{label}</label>' in html
        assert f'autocomplete="bday-{part}"' in _tag(html, "input", f"born-{part}")
    assert 'aria-describedby="born-error"' in html and "<legend" in html


def test_radios_and_checkboxes_with_a_reason_beside_a_disabled_choice(renderer: PageRenderer) -> None:
    html = _render(renderer)
    assert 'type="radio"' in _tag(html, "input", "method-sms") and "checked" in _tag(
        html, "input", "method-sms"
    )
    disabled = _tag(html, "input", "method-totp")
    assert "disabled" in disabled and 'aria-describedby="method-totp-hint"' in disabled
    assert 'id="method-totp-hint">Connect the app first</p>' in html
    assert 'type="checkbox"' in _tag(html, "input", "scopes-email")


def test_buttons_banners_tabs_table_and_back_link(renderer: PageRenderer) -> None:
    html = _render(renderer)
    assert '<button class="button" type="submit">Save</button>' in html
    assert '<button class="button button--secondary" type="submit">Cancel</button>' in html
    assert '<div class="banner banner--success" role="status">' in html
    for kind in ("warning", "error"):
        assert f'<div class="banner banner--{kind}" role="alert">' in html
    assert html.count('<a class="banner__link" href="/fix">Fix</a>') == 3
    assert '<a class="tabs__link" href="/b" aria-current="page">B</a>' in html
    assert '<a class="tabs__link" href="/a">A</a>' in html
    assert '<td data-label="When">01.12.2026 15:04 MSK</td>' in html and '<td data-label="What">' in html
    assert '<a class="back-link" href="/before">Back</a>' in html


def test_no_shared_template_needs_javascript() -> None:
    for template in TEMPLATES.glob("*.html"):
        assert "<script" not in template.read_text(encoding="utf-8"), template.name
