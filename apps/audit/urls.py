from django.urls import path

from apps.audit import views

workspace_patterns = [
    path("audit/", views.audit_event_list, name="audit_event_list"),
]
