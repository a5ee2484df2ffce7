"""What every server-rendered page and form shares: locale, CSRF token bound to the browser
(double submit: an HttpOnly cookie and a keyed hash of it in the form), and the response headers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from idp.dependencies import CSRF_COOKIE
from idp.login import flow, interactions
from idp.login.i18n import text
from idp.login.models import Interaction
from idp.login.pages import LANG_COOKIE, person_locale, redirect, render
from idp.oauth2.authorize import ui_locale
from idp.settings import IdpSettings

__all__ = [
    "LANG_COOKIE",
    "PageKit",
    "client_of",
    "expired_page",
    "interaction_kit",
    "safe_next",
    "too_many_page",
]


class PageKit:
    def __init__(self, request: Request, settings: IdpSettings, hinted_locale: str | None = None) -> None:
        self.request = request
        self.settings = settings
        self.locale = person_locale(request, hinted_locale)
        self.csrf_cookie = request.cookies.get(CSRF_COOKIE) or interactions.new_csrf_cookie()
        self.csrf_token = interactions.csrf_token(settings.cookie_key.get_secret_value(), self.csrf_cookie)

    def t(self, key: str, **params: str) -> str:
        return text(key, self.locale, **params)

    def csrf_ok(self, submitted: str | None) -> bool:
        key = self.settings.cookie_key.get_secret_value()
        return interactions.csrf_valid(key, self.request.cookies.get(CSRF_COOKIE), submitted)

    def switch_url(self) -> str:
        params = dict(self.request.query_params)
        params["lang"] = "en" if self.locale == "ru" else "ru"
        return f"{self.request.url.path}?{urlencode(params)}"

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("switch_url", self.switch_url())
        response = render(self.request, template, self.locale, status, csrf_token=self.csrf_token, **context)
        secure = self.settings.secure_cookies
        response.set_cookie(
            CSRF_COOKIE, self.csrf_cookie, httponly=True, samesite="lax", secure=secure, path="/"
        )
        if self.request.query_params.get("lang") == self.locale:
            # remembered only when the person chose it: a cookie written on every page would
            # outrank every later relying party's ui_locales (OIDC Core §3.1.2.1)
            response.set_cookie(
                LANG_COOKIE,
                self.locale,
                httponly=True,
                samesite="lax",
                secure=secure,
                path="/",
                max_age=365 * 86400,
            )
        return response

    def message(
        self,
        message: str,
        *,
        status: int = 200,
        error: bool = False,
        detail: str | None = None,
        title_key: str | None = None,
        **context: Any,
    ) -> Response:
        title = self.t(title_key or ("title_error" if error else "home_title"))
        return self.page(
            "message.html", status, title=title, message=message, is_error=error, detail=detail, **context
        )

    def csrf_failed(self) -> Response:
        return self.message(self.t("csrf_failed"), status=400, error=True)

    def see_other(self, location: str) -> Response:
        return redirect(location, 303)


def safe_next(value: str | None) -> str:
    """A local path to continue to after login; anything else (//evil, https://...) becomes /account."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/account"


def interaction_kit(
    request: Request, settings: IdpSettings, interaction: Interaction | None = None
) -> PageKit:
    """The page kit of a page that belongs to a parked authorization request: its ``ui_locales``."""
    hinted = ui_locale(dict(interactions.params_of(interaction))) if interaction else None
    return PageKit(request, settings, hinted)


def expired_page(kit: PageKit) -> Response:
    return kit.message(kit.t("interaction_expired"), status=400, error=True)


def too_many_page(kit: PageKit, seconds: int) -> Response:
    response = kit.message(kit.t("too_many_attempts", seconds=str(seconds)), status=429, error=True)
    response.headers["Retry-After"] = str(seconds)
    return response


def client_of(request: Request) -> flow.Client:
    """Where a form post came from (address and browser), for the security log and notices."""
    return flow.Client(request.client.host if request.client else None, request.headers.get("user-agent"))
