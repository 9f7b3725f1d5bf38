from django.urls import path

from apps.gateway import views

# Mounted under /w/<slug>/ by config/urls.py. Forms post the task or provider in their body, so
# no URL here names an object of another kind.
workspace_patterns = [
    path("models/", views.models_page, name="gateway_models"),
    path("models/routes/", views.route_save, name="gateway_route_save"),
    path("models/credentials/", views.credential_save, name="gateway_credential_save"),
    path("models/credentials/remove/", views.credential_remove, name="gateway_credential_remove"),
    path("models/test-connection/", views.test_connection, name="gateway_test_connection"),
    path("usage/", views.usage, name="gateway_usage"),
    path("usage/export.csv", views.usage_csv, name="gateway_usage_csv"),
]
