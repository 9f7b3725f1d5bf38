from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "apps.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        from apps.core import events, trail
        from apps.workspaces.audit_actions import AuditAction
        from apps.workspaces.dashboards import register_first_step
        from apps.workspaces.events import WorkspaceEvent
        from apps.workspaces.roles import Action
        from apps.workspaces.selectors import team_invited

        trail.register_actions(AuditAction.choices)
        events.register_events(WorkspaceEvent.choices)
        register_first_step(
            key="workspaces.invite",
            label="Invite the team",
            hint="Copywriters, photo editors, reviewers: each gets a desk of their own.",
            done=team_invited,
            url_name="workspace_members",
            action=Action.INVITE_MEMBERS,
            order=30,
        )
