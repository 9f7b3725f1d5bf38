"""Limits on what one request may upload, checked before the body is read.

Files stream to disk while a request is parsed (``FILE_UPLOAD_HANDLERS`` has no in-memory
handler), and every form that takes files reads them from there in pieces. This middleware
refuses, with a page that says why, a multipart request whose declared size is over
``UPLOAD_MAX_REQUEST_BYTES`` (before a byte of it is read: Django reads no more than the
declared length) or that carries more than ``DATA_UPLOAD_MAX_NUMBER_FILES`` files. Each form
then applies its own per-file limits (photo size and pixels, CSV size) by name.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


class UploadLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT") and content_type.startswith("multipart/"):
            refused = self._check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.UPLOAD_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return self._refuse(
                request,
                f"This upload is {_megabytes(length)}; at most {_megabytes(limit)} can be sent "
                "at once. Nothing was saved: upload fewer or smaller files at a time.",
            )
        try:
            _ = request.FILES  # parse now (files go to disk) so the limits are reported here
        except TooManyFilesSent:
            return self._refuse(
                request,
                f"At most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files can be uploaded at once. "
                "Nothing was saved: upload them in several goes.",
            )
        except RequestDataTooBig:
            return self._refuse(
                request,
                "The form's text fields are larger than this server accepts. Nothing was saved.",
            )
        return None

    def _refuse(self, request: HttpRequest, message: str) -> HttpResponse:
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        return render(
            request, "errors/upload_refused.html", {"message": message, "back": back}, status=413
        )
