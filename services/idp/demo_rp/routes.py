"""A tiny relying party served by the idp in dev mode, so `make run` shows a whole login round trip.

It is a client like any other: it talks to the idp over HTTP (token endpoint, userinfo) with the
seeded demo client's credentials, PKCE S256, state and nonce.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from idp.dependencies import SettingsDep

router = APIRouter(prefix="/demo-rp", include_in_schema=False)

CLIENT_ID = "demo-rp"
CLIENT_SECRET = "demo-rp-client-secret-0123456789abcdef0123"
SCOPE = "openid profile email phone snils offline_access"


def _page(body: str, status: int = 200) -> HTMLResponse:
    doc = (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Демо-приложение</title>'
        '<link rel="stylesheet" href="/static/design/design.css"></head><body><main class="page">'
        f"<h1>Демо-приложение</h1>{body}</main></body></html>"
    )
    return HTMLResponse(doc, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("")
def start_page(settings: SettingsDep) -> HTMLResponse:
    return _page(
        '<p>Это приложение входит через IdP по OpenID Connect.</p><p><a href="/demo-rp/login">'
        "Войти через IdP</a></p>"
    )


@router.get("/login")
def login(settings: SettingsDep) -> Response:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": f"{settings.issuer}/demo-rp/callback",
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    response = RedirectResponse(f"{settings.issuer}/authorize?{urlencode(params)}", status_code=302)
    response.set_cookie(
        "demo_rp",
        json.dumps({"state": state, "verifier": verifier}),
        httponly=True,
        samesite="lax",
        path="/demo-rp",
    )
    return response


@router.get("/callback")
def callback(request: Request, settings: SettingsDep) -> HTMLResponse:
    params = request.query_params
    try:
        saved: dict[str, Any] = json.loads(request.cookies.get("demo_rp", "{}"))
    except ValueError:
        saved = {}
    if params.get("error"):
        return _page(f"<p>Ошибка: {html.escape(params['error'])}</p>", 400)
    if not saved or params.get("state") != saved.get("state") or params.get("iss") != settings.issuer:
        return _page("<p>Неверный state или iss.</p>", 400)
    token = httpx.post(
        f"{settings.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": params.get("code", ""),
            "redirect_uri": f"{settings.issuer}/demo-rp/callback",
            "code_verifier": saved["verifier"],
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    if token.status_code != 200:
        return _page(f"<p>Обмен кода не удался: {html.escape(token.text)}</p>", 502)
    tokens = token.json()
    info = httpx.get(
        f"{settings.issuer}/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    pretty = html.escape(json.dumps(info, ensure_ascii=False, indent=2))
    logout = urlencode(
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": f"{settings.issuer}/demo-rp"}
    )
    return _page(
        f"<p>Вход выполнен. Данные из userinfo:</p><pre>{pretty}</pre>"
        f'<p><a href="{settings.issuer}/logout?{logout}">Выйти</a></p>'
    )
