"""Bokmål by default, English on request (a cookie-backed choice, never part of a URL path)."""

from __future__ import annotations

from starlette.requests import Request

LANGS = ("nb", "en")


def lang_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.session.get("lang")
    return wanted if wanted in LANGS else "nb"


def t(lang: str, nb: str, en: str) -> str:
    return nb if lang == "nb" else en


def lang_hint(request: Request) -> str:
    """The page language where the session cannot be read (before the session middleware, e.g.
    when a too-large upload is refused unread): `?lang=`, the page's own language that the
    upload script sends (`X-Page-Lang`), or the browser's first preference."""
    for wanted in (
        request.query_params.get("lang"),
        request.headers.get("x-page-lang"),
        request.headers.get("accept-language", "")[:2].lower(),
    ):
        if wanted in LANGS:
            return wanted
    return "nb"
