"""Bokmål by default, English on request (a cookie-backed choice, never part of a URL path)."""

from __future__ import annotations

from starlette.requests import Request

LANGS = ("nb", "en")


def lang_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.session.get("lang")
    return wanted if wanted in LANGS else "nb"


def t(lang: str, nb: str, en: str) -> str:
    return nb if lang == "nb" else en
