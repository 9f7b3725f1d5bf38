"""Panels on the role dashboards, contributed by the apps that own the work they show.

The workspaces app (layer 4) knows nothing of copy or photos (layer 5): an app registers a
panel in its AppConfig.ready(), naming the roles that see it, a template and a function that
builds the panel's context from the request (it must read through selectors).

A new workspace's first steps (import a catalog, add brand material, invite the team) are
registered the same way: each app says whether its step is done, from the workspace's data, and
which page does it; the dashboard shows the list until every step is ticked.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apps.workspaces.access import WorkspaceRequest
    from apps.workspaces.models import Workspace
    from apps.workspaces.roles import Action


@dataclass(frozen=True)
class Panel:
    key: str
    roles: frozenset[str]
    template: str
    context: Callable[["WorkspaceRequest"], dict[str, Any]]
    order: int = 50


_PANELS: dict[str, Panel] = {}


def register_panel(
    *,
    key: str,
    roles: set[str],
    template: str,
    context: Callable[["WorkspaceRequest"], dict[str, Any]],
    order: int = 50,
) -> None:
    _PANELS[key] = Panel(key, frozenset(roles), template, context, order)


def panels_for(request: "WorkspaceRequest") -> list[dict[str, Any]]:
    role = request.membership.role
    panels = sorted((p for p in _PANELS.values() if role in p.roles), key=lambda p: p.order)
    return [{"key": p.key, "template": p.template, "data": p.context(request)} for p in panels]


@dataclass(frozen=True)
class FirstStep:
    key: str
    label: str
    hint: str
    done: Callable[["Workspace"], bool]
    url_name: str  # a workspace page (its only URL argument is the slug)
    action: "Action"  # who may take the step: others see it without the link
    order: int = 50


_FIRST_STEPS: dict[str, FirstStep] = {}


def register_first_step(
    *,
    key: str,
    label: str,
    hint: str,
    done: Callable[["Workspace"], bool],
    url_name: str,
    action: "Action",
    order: int = 50,
) -> None:
    _FIRST_STEPS[key] = FirstStep(key, label, hint, done, url_name, action, order)


def first_steps() -> list[FirstStep]:
    return sorted(_FIRST_STEPS.values(), key=lambda step: step.order)
