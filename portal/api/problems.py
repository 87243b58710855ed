"""Errors as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

from http import HTTPStatus

from fastapi.responses import JSONResponse

PROBLEM_TYPE_BASE = "urn:hmsverify:api:problem:"


class Problem(Exception):
    """Raised anywhere in the API; the API app's handler turns it into the response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = title
        self.headers = headers or {}
        self.extra = extra


def problem_body(
    status: int,
    detail: str | None,
    *,
    kind: str | None = None,
    title: str | None = None,
    **extra: object,
) -> dict[str, object]:
    body: dict[str, object] = {
        "type": f"{PROBLEM_TYPE_BASE}{kind}" if kind else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    body = problem_body(
        problem.status, problem.detail, kind=problem.kind, title=problem.title, **problem.extra
    )
    if instance:
        body["instance"] = instance
    return JSONResponse(
        body,
        status_code=problem.status,
        media_type="application/problem+json",
        headers={"Cache-Control": "no-store", **problem.headers},
    )


def not_found(what: str = "resource") -> Problem:
    """The same answer for "no such thing" and "another company's thing": nothing leaks."""
    return Problem(404, f"No such {what}.", kind="not-found")
