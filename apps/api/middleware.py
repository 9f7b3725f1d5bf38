"""The gate in front of ``/api/v1/``: who is calling (the bearer key), how often (rate limit),
and whether this POST was already answered (``Idempotency-Key``).

It runs before Django Ninja so the three apply to every route alike, including requests whose
body the route would refuse: a retry of a refused request gets the same refusal back.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http import HTTPStatus

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

from apps.api import services
from apps.api.problems import problem
from apps.api.ratelimit import rate_limit_hit
from apps.core.trail import RequestOrigin

API_PREFIX = "/api/v1/"
PUBLIC_PATHS = {API_PREFIX + "openapi.json"}
IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_IDEMPOTENCY_KEY = 255
_local_lock = threading.Lock()  # without PostgreSQL (the SQLite default): one at a time


class ApiGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) or request.path in PUBLIC_PATHS:
            return self.get_response(request)
        secret = _bearer(request)
        caller = (
            services.api_key_authenticate(secret=secret, origin=RequestOrigin.from_request(request))
            if secret
            else None
        )
        if caller is None:
            return problem(
                request,
                401,
                "Send a live API key as “Authorization: Bearer atk_…”. Keys are made on the "
                "workspace's API keys page; a revoked or expired key, or one whose creator has "
                "left the workspace, no longer works.",
                headers={"WWW-Authenticate": 'Bearer realm="atelier"'},
            )
        key, actor = caller
        key_id = key.pk
        left, retry_after = rate_limit_hit(key_id=key_id)
        if left < 0:
            return problem(
                request,
                429,
                f"This key may make {settings.API_RATE_LIMIT_PER_MINUTE} requests a minute; "
                f"try again in {retry_after} s.",
                headers={"Retry-After": str(retry_after)},
            )
        request.actor = actor  # type: ignore[attr-defined]
        request.api_key_id = key_id  # type: ignore[attr-defined]
        idempotency_key = request.META.get(IDEMPOTENCY_HEADER, "")
        if request.method == "POST" and idempotency_key:
            response = self._idempotent(request, actor.workspace.pk, key_id, idempotency_key)
        else:
            response = _as_problem(request, self.get_response(request))
        response["RateLimit-Limit"] = str(settings.API_RATE_LIMIT_PER_MINUTE)
        response["RateLimit-Remaining"] = str(max(left, 0))
        return response

    def _idempotent(
        self, request: HttpRequest, workspace_id: int, key_id: int, key: str
    ) -> HttpResponse:
        if len(key) > MAX_IDEMPOTENCY_KEY:
            return problem(
                request, 400, f"Idempotency-Key may be at most {MAX_IDEMPOTENCY_KEY} characters."
            )
        fingerprint = _fingerprint(request)
        with _key_lock(key_id, key) as locked:
            if not locked:
                return problem(
                    request,
                    409,
                    "A request with this Idempotency-Key is still being answered; retry shortly.",
                    slug="idempotency-in-progress",
                    headers={"Retry-After": "1"},
                )
            stored = services.idempotent_request_find(api_key_id=key_id, key=key)
            if stored is not None and stored.fingerprint != fingerprint:
                return problem(
                    request,
                    422,
                    "This Idempotency-Key was used for a different request (another method, "
                    "path or body). Use a new key for a new request.",
                    slug="idempotency-key-reused",
                    title="Idempotency-Key reused",
                )
            if stored is not None and stored.status_code is not None:
                replay = HttpResponse(
                    bytes(stored.body), status=stored.status_code, content_type=stored.content_type
                )
                replay["Idempotent-Replayed"] = "true"
                return replay
            # New, or begun by a process that died before answering: we hold the lock, so
            # answering it now is safe.
            record = stored or services.idempotent_request_begin(
                workspace_id=workspace_id, api_key_id=key_id, key=key, fingerprint=fingerprint
            )
            try:
                response = _as_problem(request, self.get_response(request))
            except BaseException:
                services.idempotent_request_forget(record=record)
                raise
            if response.status_code >= 500 or response.streaming:
                services.idempotent_request_forget(record=record)
            else:
                services.idempotent_request_finish(
                    record=record,
                    status_code=response.status_code,
                    content_type=response.get("Content-Type", ""),
                    body=response.content,
                )
            return response


def _as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Django's own refusals (no such route, method not allowed, an unreadable body) as
    problem details too: an API client never gets an HTML page."""
    content_type = response.get("Content-Type", "")
    if response.status_code < 400 or "json" in content_type:
        return response
    if response.status_code == 405:
        allowed = response.get("Allow", "")
        return problem(
            request,
            405,
            f"{request.method} is not allowed here; allowed: {allowed}.",
            headers={"Allow": allowed},
        )
    if response.status_code == 404:
        return problem(request, 404, "There is no such route in this API; see /api/docs.")
    status = response.status_code
    return problem(request, status, HTTPStatus(status).phrase + ".")


def _bearer(request: HttpRequest) -> str:
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _fingerprint(request: HttpRequest) -> str:
    """What the request asks: method, path with query, and body (for uploads, the form fields
    and each file's name and content, read in pieces from disk)."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if (request.content_type or "").startswith("multipart/"):
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"field {name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"file {name}={upload.name} {upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


@contextlib.contextmanager
def _key_lock(key_id: int, key: str) -> Iterator[bool]:
    """Hold the idempotency key while its request is answered: a retry arriving meanwhile
    waits (up to API_IDEMPOTENCY_WAIT_SECONDS) and then gets the stored answer.

    On PostgreSQL a session advisory lock, held outside any transaction (the services' own
    transactions are durable and must not be nested); it is released if the process dies."""
    deadline = time.monotonic() + settings.API_IDEMPOTENCY_WAIT_SECONDS
    if connection.vendor != "postgresql":
        acquired = _local_lock.acquire(timeout=settings.API_IDEMPOTENCY_WAIT_SECONDS)
        try:
            yield acquired
        finally:
            if acquired:
                _local_lock.release()
        return
    # Two 32-bit halves: the key's id and a checksum of the idempotency key.
    lock = (key_id, zlib.crc32(key.encode()) - 2**31)
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", lock)
            acquired = bool(cursor.fetchone()[0])
            if acquired or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", lock)
