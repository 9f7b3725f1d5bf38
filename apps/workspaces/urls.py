from django.urls import path

from apps.workspaces import views

# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns = [
    path("", views.dashboard, name="workspace_dashboard"),
    path("members/", views.members, name="workspace_members"),
    path("members/invite/", views.invitation_create, name="workspace_invitation_create"),
    path("members/<int:member_id>/role/", views.member_change_role, name="workspace_member_role"),
    path("members/<int:member_id>/remove/", views.member_remove, name="workspace_member_remove"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="workspace_invitation_revoke",
    ),
    path("settings/", views.workspace_settings, name="workspace_settings"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("workspaces/", views.workspace_list, name="workspace_list"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
