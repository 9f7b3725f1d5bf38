"""The permission matrix applies to keys: a key may do what a member of its role may do, on
every route, and is refused with 403 problem details otherwise."""

import re

import pytest

from apps.workspaces.roles import Role, role_can
from tests.api.routes import ROUTES, api_routes
from tests.core.test_url_tenancy import URL_KWARG_OBJECTS

PARAM_RE = re.compile(r"{(\w+)}")


def _url(path: str, workspace) -> str:
    for name in PARAM_RE.findall(path):
        value = "linen-shirt" if name == "handle" else URL_KWARG_OBJECTS[name](workspace)
        path = path.replace("{" + name + "}", str(value))
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), api_routes())
def test_keys_by_role_follow_the_permission_matrix(api_for, workspace, method, path):
    route = ROUTES[(method, path)]
    for role in Role:
        api = api_for(workspace, role=role)
        url = _url(path, workspace)
        if method in ("GET", "DELETE"):
            response = getattr(api, method.lower())(url)
        elif route.files:
            response = api.post(url, data=dict(route.files))
        else:
            response = getattr(api, method.lower())(url, route.body or {})
        allowed = any(role_can(role, action) for action in route.actions)
        if allowed:
            assert response.status_code not in {401, 403, 404, 500}, (
                role,
                method,
                url,
                response.status_code,
                response.content[:300],
            )
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
            body = response.json()
            assert body["status"] == 403 and Role(role).label in body["detail"]
