"""The copy studio's panels on the role dashboards (registered in CopywritingConfig.ready)."""

from apps.copywriting import selectors
from apps.reviews.lifecycle import ReviewState
from apps.reviews.selectors import waiting_by_age
from apps.workspaces.access import WorkspaceRequest
from apps.workspaces.dashboards import register_panel
from apps.workspaces.roles import PERMISSIONS, Action, Role


def writer_panel(request: WorkspaceRequest) -> dict:
    workspace, user = request.workspace, request.user
    returned = selectors.drafts_returned_to(workspace=workspace, author=user)
    drafts = selectors.drafts_of_author(
        workspace=workspace, author=user, states=(ReviewState.DRAFT,)
    )
    return {
        "returned": returned[:6],
        "drafts": drafts[:8],
        "counts": selectors.draft_counts_of_author(workspace=workspace, author=user),
        "runs": selectors.copy_runs(workspace=workspace, user=user, limit=5),
        # What to do next: fix what came back first, then finish drafts, else write more.
        "next_returned": returned[0][0] if returned else None,
        "next_draft": drafts[0] if drafts else None,
    }


def reviewer_panel(request: WorkspaceRequest) -> dict:
    queue = selectors.review_queue_queryset(
        workspace=request.workspace, filters=selectors.QueueFilters()
    )
    oldest = list(queue.select_related("product")[:6])
    return {"count": queue.count(), "ages": waiting_by_age(queue), "oldest": oldest}


def register() -> None:
    register_panel(
        key="copy.writer",
        roles={Role.COPYWRITER, Role.BRAND_MANAGER},
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
