"""The copy studio's panels on the role dashboards (registered in CopywritingConfig.ready)."""

from apps.copywriting import selectors
from apps.reviews.lifecycle import ReviewState
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_panel
from apps.workspaces.roles import PERMISSIONS, Action


def writer_panel(request: WorkspaceRequest) -> dict:
    return {
        "returned": selectors.drafts_returned_to(workspace=request.workspace, author=request.user),
        "drafts": selectors.drafts_of_author(
            workspace=request.workspace, author=request.user, states=(ReviewState.DRAFT,)
        )[:8],
        "runs": selectors.copy_runs(workspace=request.workspace, user=request.user, limit=5),
    }


def reviewer_panel(request: WorkspaceRequest) -> dict:
    queue = selectors.review_queue_queryset(
        workspace=request.workspace, filters=selectors.QueueFilters()
    )
    return {"count": queue.count(), "oldest": list(queue.select_related("product")[:6])}


def register() -> None:
    register_panel(
        key="copy.writer",
        roles={"copywriter", "brand_manager"},
        template="copywriting/panels/writer.html",
        context=writer_panel,
        order=10,
    )
    register_panel(
        key="copy.review",
        roles=set(PERMISSIONS[Action.REVIEW]),
        template="copywriting/panels/review.html",
        context=reviewer_panel,
        order=20,
    )
