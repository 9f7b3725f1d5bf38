"""HTTP 402 Payment Required for API clients refused for billing reasons.

Usage in a future API view::

    from apps.billing.http import payment_required_on_refusal

    @payment_required_on_refusal
    def generate(request, ...):
        credits_check_can_start(workspace=..., kind=WorkKind.COPY_VARIANT, units=n)
        ...

or answer a caught refusal directly with ``payment_required(error, request)``.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.billing.errors import BillingRefusal


def payment_required(error: BillingRefusal, request: HttpRequest | None = None) -> JsonResponse:
    upgrade_url = error.upgrade_url
    if request is not None and upgrade_url.startswith("/"):
        upgrade_url = request.build_absolute_uri(upgrade_url)
    return JsonResponse(
        {"error": error.code, "message": error.message, "upgrade_url": upgrade_url}, status=402
    )


def payment_required_on_refusal(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn a billing refusal raised by the view into a 402 JSON answer."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BillingRefusal as error:
            return payment_required(error, request)

    return wrapped
