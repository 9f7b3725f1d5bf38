from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.core.errors import ServiceError

T = TypeVar("T")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


def act[T](
    request: HttpRequest,
    action: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    then: str,
    **url_kwargs: Any,
) -> HttpResponse:
    """The one way a view runs a service for a button: call it, flash what happened (the
    service's own message when it refuses), and go to the page ``then`` names (a URL name,
    with ``url_kwargs``; the workspace's slug is added for workspace pages)."""
    try:
        result = action()
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success(result) if callable(success) else success)
    workspace = getattr(request, "workspace", None)
    if workspace is not None and "slug" not in url_kwargs:
        url_kwargs["slug"] = workspace.slug
    return redirect(then, **url_kwargs)
