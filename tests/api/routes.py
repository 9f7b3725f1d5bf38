"""Every route of the API with the action its role must allow and a body it accepts: the
tenancy walk and the permission matrix walk read this table, and a route missing from it fails
both (so a new route is covered the day it is added)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.api.api import api
from apps.workspaces.roles import Action, Role
from tests import factories as f
from tests.core.test_url_tenancy import URL_KWARG_OBJECTS


@dataclass(frozen=True)
class Route:
    actions: tuple[Action, ...] = ()  # any one of them lets a role in
    # A body the route accepts, made for a workspace (its ids must be that workspace's).
    body: Callable[[Any], dict] | None = None
    # Path parameters made differently from tests/core/test_url_tenancy.py's table.
    params: dict[str, Callable[[Any], int]] = field(default_factory=dict)
    roles: frozenset[str] | None = None  # instead of actions: exactly these roles
    # A multipart body instead of JSON (uploads).
    files: Callable[[Any], dict] | None = None

    def allows(self, role: str) -> bool:
        from apps.workspaces.roles import role_can

        if self.roles is not None:
            return role in self.roles
        return any(role_can(role, action) for action in self.actions)

    def param(self, name: str, workspace) -> int:
        make = self.params.get(name) or URL_KWARG_OBJECTS.get(name)
        assert make is not None, f"tests/core/test_url_tenancy.py has no {name!r}; add it"
        return make(workspace)


def _jpeg(name: str = "shirt.jpg"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "#3060a0").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _in_review_output(ws) -> int:
    return f.PhotoOutputFactory(workspace=ws, review_state="in_review").pk


def _copy_run(ws) -> int:
    return f.JobFactory(workspace=ws, kind="copy.generate", status="running", total=1).pk


def _run_body(ws) -> dict:
    return {
        "product_ids": [f.ProductFactory(workspace=ws).pk],
        "copy_types": ["product_description"],
    }


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v1/me"): Route((Action.VIEW_WORKSPACE,)),
    ("GET", "/api/v1/products"): Route((Action.VIEW_CATALOG,)),
    ("GET", "/api/v1/products/{product_id}"): Route((Action.VIEW_CATALOG,)),
    ("PUT", "/api/v1/products/by-handle/{handle}"): Route(
        (Action.IMPORT_CATALOG,), lambda ws: {"title": "Linen shirt"}
    ),
    ("POST", "/api/v1/products/bulk"): Route(
        (Action.IMPORT_CATALOG,),
        lambda ws: {"products": [{"handle": "linen-shirt", "title": "Linen"}]},
    ),
    ("GET", "/api/v1/jobs/{job_id}"): Route((Action.VIEW_WORKSPACE,)),
    ("GET", "/api/v1/usage"): Route((Action.MANAGE_BILLING,)),
    ("GET", "/api/v1/brand/profiles"): Route(
        (Action.WRITE_COPY, Action.MANAGE_BRAND, Action.REVIEW)
    ),
    ("POST", "/api/v1/brand/profiles/{profile_id}/score"): Route(
        (Action.WRITE_COPY, Action.MANAGE_BRAND, Action.REVIEW), lambda ws: {"text": "Soft."}
    ),
    ("GET", "/api/v1/approved-copy"): Route((Action.VIEW_CATALOG,)),
    ("POST", "/api/v1/copy/runs"): Route((Action.WRITE_COPY,), _run_body),
    ("GET", "/api/v1/copy/runs/{job_id}"): Route(
        (Action.VIEW_WORKSPACE,), params={"job_id": _copy_run}
    ),
    # The jobs rule: the person who started a run, owners and admins (this run is another
    # member's).
    ("POST", "/api/v1/copy/runs/{job_id}/cancel"): Route(
        roles=frozenset({Role.OWNER, Role.ADMIN}), params={"job_id": _copy_run}
    ),
    ("GET", "/api/v1/copy/drafts"): Route((Action.VIEW_CATALOG,)),
    ("GET", "/api/v1/copy/drafts/{draft_id}"): Route((Action.VIEW_CATALOG,)),
    ("GET", "/api/v1/copy/variants/{variant_id}"): Route((Action.VIEW_CATALOG,)),
    ("POST", "/api/v1/copy/drafts/{draft_id}/review"): Route(
        (Action.REVIEW,),
        lambda ws: {"decision": "reject", "comment": "Off-brand."},
        params={
            "draft_id": lambda ws: f.CopyDraftFactory(workspace=ws, review_state="in_review").pk
        },
    ),
    ("POST", "/api/v1/photos"): Route((Action.EDIT_PHOTOS,), files=lambda ws: {"files": [_jpeg()]}),
    ("GET", "/api/v1/photos/{photo_id}"): Route((Action.VIEW_CATALOG,)),
    ("POST", "/api/v1/photos/batches"): Route(
        (Action.EDIT_PHOTOS,),
        lambda ws: {
            "photo_ids": [f.PhotoFactory(workspace=ws, status="ready").pk],
            "recipe": "amazon-main",
        },
    ),
    ("GET", "/api/v1/photos/outputs"): Route((Action.VIEW_CATALOG,)),
    ("GET", "/api/v1/photos/approved"): Route((Action.VIEW_CATALOG,)),
    ("GET", "/api/v1/photos/outputs/{photo_output_id}"): Route((Action.VIEW_CATALOG,)),
    ("POST", "/api/v1/photos/outputs/{photo_output_id}/review"): Route(
        (Action.REVIEW,),
        lambda ws: {"decision": "reject", "comment": "Cut-out is off."},
        params={"photo_output_id": _in_review_output},
    ),
}


def api_routes() -> list[tuple[str, str]]:
    """(method, path) of every operation in the API's OpenAPI document."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    )
