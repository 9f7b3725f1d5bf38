"""Every route of the API with the action its role must allow and a body it accepts: the
tenancy walk and the permission matrix walk read this table, and a route missing from it fails
both (so a new route is covered the day it is added)."""

from dataclasses import dataclass, field
from typing import Any

from apps.api.api import api
from apps.workspaces.roles import Action


@dataclass(frozen=True)
class Route:
    actions: tuple[Action, ...]  # any one of them lets a role in
    body: dict[str, Any] | None = None
    files: dict[str, Any] = field(default_factory=dict)


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v1/me"): Route((Action.VIEW_WORKSPACE,)),
    ("GET", "/api/v1/products"): Route((Action.VIEW_CATALOG,)),
    ("GET", "/api/v1/products/{product_id}"): Route((Action.VIEW_CATALOG,)),
    ("PUT", "/api/v1/products/by-handle/{handle}"): Route(
        (Action.IMPORT_CATALOG,), {"title": "Linen shirt"}
    ),
    ("POST", "/api/v1/products/bulk"): Route(
        (Action.IMPORT_CATALOG,), {"products": [{"handle": "linen-shirt", "title": "Linen"}]}
    ),
    ("GET", "/api/v1/jobs/{job_id}"): Route((Action.VIEW_WORKSPACE,)),
    ("GET", "/api/v1/usage"): Route((Action.MANAGE_BILLING,)),
    ("GET", "/api/v1/brand/profiles"): Route(
        (Action.WRITE_COPY, Action.MANAGE_BRAND, Action.REVIEW)
    ),
    ("POST", "/api/v1/brand/profiles/{profile_id}/score"): Route(
        (Action.WRITE_COPY, Action.MANAGE_BRAND, Action.REVIEW), {"text": "Soft linen."}
    ),
    ("GET", "/api/v1/approved-copy"): Route((Action.VIEW_CATALOG,)),
}


def api_routes() -> list[tuple[str, str]]:
    """(method, path) of every operation in the API's OpenAPI document."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    )
