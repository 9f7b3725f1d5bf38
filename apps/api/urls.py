from django.urls import path

from apps.api import views

# Mounted under /w/<slug>/ by config/urls.py; the API itself is at /api/v1/.
workspace_patterns = [
    path("settings/api-keys/", views.api_key_list, name="api_key_list"),
    path("settings/api-keys/<int:api_key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
