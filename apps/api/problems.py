"""Errors as RFC 9457 problem details: ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and ``instance``, plus ``errors`` (one per field) for invalid input.

``type`` is a URI reference to the guide's section on that error, so a client can branch on it
and a person can read about it."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/api/problems/"

# What each status means in this API: the slug of its ``type`` and its title.
PROBLEM_TYPES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "The request could not be read"),
    401: ("unauthorized", "A valid API key is needed"),
    402: ("payment-required", "Not enough credits, or billing is inactive"),
    403: ("forbidden", "The key's role may not do this"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "The request conflicts with the state of the resource"),
    413: ("too-large", "The request is too large"),
    422: ("invalid", "The request is not valid"),
    429: ("rate-limited", "Too many requests"),
    500: ("server-error", "Something went wrong on our side"),
}


def problem(
    request: HttpRequest | None,
    status: int,
    detail: str,
    *,
    slug: str = "",
    title: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    default_slug, default_title = PROBLEM_TYPES.get(status, ("", HTTPStatus(status).phrase))
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or default_slug or str(status)),
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": request.get_full_path() if request is not None else "",
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors_from_pydantic(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ninja's validation errors as ``{"field": "body.products.3.title", "message": …}``: the
    field named by its path, the location (body, query, path) first."""
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        # Ninja puts the parameter's own name after the location ("body", "payload", ...).
        if len(loc) >= 2 and loc[0] == "body" and loc[1] == "payload":
            loc = ["body", *loc[2:]]
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        found.append({"field": ".".join(loc), "message": message})
    return found
