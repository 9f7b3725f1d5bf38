"""The photo studio's panels on the role dashboards (registered in PhotosConfig.ready): the
photo editor's returns, drafts and batches; the photos waiting for review, by age."""

from apps.photos import selectors
from apps.reviews.selectors import waiting_by_age
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_panel
from apps.workspaces.roles import PERMISSIONS, Action, Role


def editor_panel(request: WorkspaceRequest) -> dict:
    workspace, user = request.workspace, request.user
    returned = selectors.outputs_returned_to(workspace=workspace, user=user)
    return {
        "returned": returned[:6],
        "counts": selectors.output_counts_of(workspace=workspace, user=user),
        "batches": selectors.batches_of(workspace=workspace, user=user),
        "next_returned": returned[0][0] if returned else None,
    }


def review_panel(request: WorkspaceRequest) -> dict:
    queue = selectors.review_queue_queryset(workspace=request.workspace)
    oldest = list(queue.select_related("photo", "product")[:6])
    return {"count": queue.count(), "ages": waiting_by_age(queue), "oldest": oldest}


def register() -> None:
    register_panel(
        key="photos.editor",
        roles={Role.PHOTO_EDITOR},
        template="photos/panels/editor.html",
        context=editor_panel,
        order=10,
    )
    register_panel(
        key="photos.review",
        roles=set(PERMISSIONS[Action.REVIEW]),
        template="photos/panels/review.html",
        context=review_panel,
        order=21,
    )
