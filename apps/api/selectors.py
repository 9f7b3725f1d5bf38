from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.api.models import ApiKey
from apps.workspaces.models import Workspace


def api_key_list(*, workspace: Workspace) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_workspace(workspace).select_related("created_by", "revoked_by")


def api_key_get(*, workspace: Workspace, key_id: int) -> ApiKey:
    """The key, or 404: another workspace's key is not found."""
    return get_object_or_404(ApiKey.objects.for_workspace(workspace), pk=key_id)
