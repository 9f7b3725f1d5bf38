"""The brand's panels on the brand manager's dashboard: each profile with its latest score and
new material, and each brand's light; and the first step "add brand material"."""

from apps.brand import lighting_selectors, selectors
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_first_step, register_panel
from apps.workspaces.roles import PERMISSIONS, Action, Role


def profiles_panel(request: WorkspaceRequest) -> dict:
    rows = selectors.profile_desk(workspace=request.workspace)
    return {"rows": rows, "to_train": next((row for row in rows if row.may_train), None)}


def lights_panel(request: WorkspaceRequest) -> dict:
    lights = lighting_selectors.brand_lights(workspace=request.workspace)
    unlit = next((e for e in lights if not e.active and not e.learning), None)
    return {"lights": lights, "unlit": unlit}


def register() -> None:
    register_panel(
        key="brand.profiles",
        roles={Role.BRAND_MANAGER},
        template="brand/panels/profiles.html",
        context=profiles_panel,
        order=5,
    )
    register_panel(
        key="brand.lights",
        roles=set(PERMISSIONS[Action.MANAGE_BRAND]),
        template="brand/panels/lights.html",
        context=lights_panel,
        order=30,
    )
    register_first_step(
        key="brand.material",
        label="Add brand material",
        hint="Paste or upload copy you are proud of: the brand profile learns your voice from it.",
        done=selectors.brand_material_exists,
        url_name="brand_profile_list",
        action=Action.MANAGE_BRAND,
        order=20,
    )
