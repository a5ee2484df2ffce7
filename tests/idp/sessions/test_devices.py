"""Devices named as people recognise them (issue 10 item 4), from real User-Agent strings."""

from __future__ import annotations

import pytest

from idp.sessions.devices import device_label

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
YANDEX_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 YaBrowser/24.6.0.0 Safari/537.36"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.71 Mobile Safari/537.36"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("user_agent", "ru", "en"),
    [
        (CHROME_WINDOWS, "Chrome 126, Windows", "Chrome 126, Windows"),
        (SAFARI_IPHONE, "Safari 17, iPhone", "Safari 17, iPhone"),
        (FIREFOX_LINUX, "Firefox 128, Linux", "Firefox 128, Linux"),
        (YANDEX_WINDOWS, "Яндекс Браузер 24, Windows", "Yandex Browser 24, Windows"),
        (CHROME_ANDROID, "Chrome 126, Android", "Chrome 126, Android"),
        (SAFARI_MAC, "Safari 17, macOS", "Safari 17, macOS"),
    ],
)
def test_a_browser_is_named_with_its_version_and_system(user_agent: str, ru: str, en: str) -> None:
    assert device_label(user_agent, "ru") == ru
    assert device_label(user_agent, "en") == en


@pytest.mark.parametrize(
    "user_agent",
    [None, "", "   ", "garbage", "python-httpx/0.27.0", "<script>alert(1)</script>", "\x00" * 40],
)
def test_nothing_recognisable_is_an_unknown_device(user_agent: str | None) -> None:
    assert device_label(user_agent, "ru") == "Неизвестное устройство"
    assert device_label(user_agent, "en") == "Unknown device"


def test_a_known_system_without_a_browser_says_the_browser_is_unknown() -> None:
    bare = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    assert device_label(bare, "ru") == "Неизвестный браузер, Windows"
    assert device_label(bare, "en") == "Unknown browser, Windows"


def test_a_huge_user_agent_is_cut_before_parsing_and_still_named() -> None:
    assert device_label(CHROME_WINDOWS + " x" * 50_000, "en") == "Chrome 126, Windows"
