"""The REST API, ``/api/v1/`` (Django Ninja). The gate in :mod:`apps.api.middleware` has
already authenticated the key, counted the request and handled ``Idempotency-Key`` before a
route runs; here every refusal becomes RFC 9457 problem details (:mod:`apps.api.problems`)."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from apps.api.problems import PROBLEM_CONTENT_TYPE, field_errors_from_pydantic, problem
from apps.api.routes import copy as copy_routes
from apps.api.routes import photos, platform, products
from apps.api.schemas import Problem
from apps.billing.errors import BillingRefusal
from apps.core.errors import ServiceError
from apps.workspaces.actors import NotAllowed

# ServiceError codes and the status each answers with; any other code is 422.
STATUS_BY_CODE = {"not_found": 404, "forbidden": 403, "conflict": 409}


class ApiKeyAuth(HttpBearer):
    """Declares the bearer key in the OpenAPI document; the gate checked it already."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return getattr(request, "actor", None)


class VendoredSwagger(Swagger):
    """Swagger UI from our static files (static/vendor/swagger-ui), started by our own script
    so the page keeps the strict content security policy (no inline script, no CDN)."""

    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            self.template,
            {"openapi_url": self.get_openapi_url(api, kwargs), "api": api},
        )


PROBLEM_RESPONSES = {
    401: "No live API key",
    402: "Not enough credits, or billing inactive (work that costs credits)",
    403: "The key's role may not do this",
    404: "Not found in the key's workspace",
    422: "Invalid input (`errors` names each field), or an Idempotency-Key reused",
    429: "Rate limit reached; see Retry-After",
}
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": (
        "Any unique string (a UUID). A retry with the same key and the same body gets the "
        "first answer again, and the work is done once; the same key with another body is 422."
    ),
}


class AtelierAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, plus what the gate adds to every operation: the problem details
        a request may get, and the Idempotency-Key header of every POST."""
        # A copy: ninja may hand out the same dict again.
        schema = copy.deepcopy(
            super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schema.pop("$defs", {}))
        schemas["Problem"] = problem_schema
        content = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                for status, description in PROBLEM_RESPONSES.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": content}
                    )
                if method == "post":
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
        return schema


api = AtelierAPI(
    title="Atelier API",
    version="1",
    description=(
        "Products, copy, photos, reviews and brand profiles of one workspace. Authenticate with "
        "`Authorization: Bearer atk_…` (a key made on the workspace's API keys page). Errors "
        "are RFC 9457 problem details; every POST takes an `Idempotency-Key`."
    ),
    urls_namespace="api-v1",
    auth=ApiKeyAuth(),
    docs=VendoredSwagger(),
    docs_url=None,  # served at /api/docs (config/urls.py)
)
api.add_router("", products.router)
api.add_router("", platform.router)
api.add_router("", copy_routes.router)
api.add_router("", photos.router)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, error: ServiceError) -> HttpResponse:
    if isinstance(error, BillingRefusal):
        upgrade_url = error.upgrade_url
        if upgrade_url.startswith("/"):
            upgrade_url = request.build_absolute_uri(upgrade_url)
        return problem(request, 402, error.message, slug=error.code, upgrade_url=upgrade_url)
    if isinstance(error, NotAllowed):
        return problem(request, 403, error.message)
    status = STATUS_BY_CODE.get(error.code, 422)
    errors = None
    if error.field:  # the services name their form's field; in the API it is in the body
        located = error.field.startswith(("body.", "query.", "path."))
        errors = [
            {"field": error.field if located else f"body.{error.field}", "message": error.message}
        ]
    return problem(request, status, error.message, errors=errors)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = field_errors_from_pydantic(error.errors)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(request, 422, detail or "The request is not valid.", errors=errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return problem(request, 401, "Send a live API key as “Authorization: Bearer atk_…”.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem(request, error.status_code, str(error))


@api.exception_handler(ObjectDoesNotExist)
@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem(request, 404, "There is nothing with this id in the key's workspace.")


def docs(request: HttpRequest) -> HttpResponse:
    """The interactive documentation (Swagger UI), at /api/docs."""
    return api.docs.render_page(request, api)
