"""A device as people recognise it — «Chrome 126, Windows», «Safari 17, iPhone» — from the
User-Agent string a session or a trusted device was started with (issue 10 item 4).

The parsing is ua-parser's (the uap-core rules, updated monthly as ua-parser-builtins); here only
the naming: the browser family without «Mobile», its major version, and the phone or tablet when
there is one, else the operating system. The raw string stays with the caller (shown as a title).
"""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

#: words that differ between the languages; browser and system names are the same in both except these
WORDS: dict[str, dict[str, str]] = {
    "unknown_device": {"ru": "Неизвестное устройство", "en": "Unknown device"},
    "unknown_browser": {"ru": "Неизвестный браузер", "en": "Unknown browser"},
    "Yandex Browser": {"ru": "Яндекс Браузер", "en": "Yandex Browser"},
}

#: ua-parser's family → the name on the browser's own icon
BROWSERS = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "Samsung Internet": "Samsung Internet",
}
SYSTEMS = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
#: devices named by themselves rather than by their system
DEVICES = ("iPhone", "iPad")
#: longest string parsed: stored User-Agents are cut at 300 characters anyway
MAX_LENGTH = 512


def _word(key: str, locale: str) -> str:
    entry = WORDS[key]
    return entry.get(locale, entry["ru"])


@lru_cache(maxsize=1024)
def _parts(user_agent: str) -> tuple[str | None, str | None, str | None]:
    """(browser family, its major version, the device or system) — None where unknown."""
    result = parse(user_agent[:MAX_LENGTH])
    browser = version = place = None
    if result.user_agent is not None and result.user_agent.family != "Other":
        browser = BROWSERS.get(result.user_agent.family, result.user_agent.family)
        version = result.user_agent.major
    if result.device is not None and result.device.family in DEVICES:
        place = result.device.family
    elif result.os is not None and result.os.family != "Other":
        place = SYSTEMS.get(result.os.family, result.os.family)
    return browser, version, place


def device_label(user_agent: str | None, locale: str = "ru") -> str:
    """«Chrome 126, Windows»; «Неизвестное устройство» / «Unknown device» when nothing is known."""
    text = (user_agent or "").strip()
    if not text:
        return _word("unknown_device", locale)
    browser, version, place = _parts(text)
    if browser is None and place is None:
        return _word("unknown_device", locale)
    name = _word(browser, locale) if browser in WORDS else browser
    head = f"{name} {version}" if name and version else name or _word("unknown_browser", locale)
    return f"{head}, {place}" if place else head
