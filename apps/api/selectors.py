from django.db.models import QuerySet

from apps.api.models import ApiKey
from apps.workspaces.models import Workspace


def api_key_list(*, workspace: Workspace) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_workspace(workspace).select_related("created_by", "revoked_by")
