from django.contrib import admin
from django.urls import include, path

from apps.api.api import api
from apps.api.api import docs as api_docs
from apps.api.urls import workspace_patterns as api_workspace_patterns
from apps.audit.urls import workspace_patterns as audit_workspace_patterns
from apps.billing.urls import workspace_patterns as billing_workspace_patterns
from apps.brand.urls import workspace_patterns as brand_workspace_patterns
from apps.catalog.urls import workspace_patterns as catalog_workspace_patterns
from apps.copywriting.urls import workspace_patterns as copywriting_workspace_patterns
from apps.gateway.urls import workspace_patterns as gateway_workspace_patterns
from apps.jobs.urls import workspace_patterns as jobs_workspace_patterns
from apps.notifications.urls import workspace_patterns as notifications_workspace_patterns
from apps.photos.urls import workspace_patterns as photos_workspace_patterns
from apps.webhooks.urls import workspace_patterns as webhooks_workspace_patterns
from apps.workspaces.urls import workspace_patterns

# Every page of a workspace lives under /w/<slug>/; each app contributes its patterns here.
workspace_urlpatterns = [
    *workspace_patterns,
    *audit_workspace_patterns,
    *jobs_workspace_patterns,
    *photos_workspace_patterns,
    *gateway_workspace_patterns,
    *catalog_workspace_patterns,
    *copywriting_workspace_patterns,
    *billing_workspace_patterns,
    *brand_workspace_patterns,
    *api_workspace_patterns,
    *webhooks_workspace_patterns,
    *notifications_workspace_patterns,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("api/docs", api_docs, name="api_docs"),
    path("billing/", include("apps.billing.urls")),
    path("photos/", include("apps.photos.urls")),
    path("w/<slug:slug>/", include(workspace_urlpatterns)),
    path("", include("apps.notifications.urls")),
    path("", include("apps.workspaces.urls")),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
