from django.core.management.base import BaseCommand
from django.db import transaction

from apps.workspaces.demo import DEMO_PASSWORD, DEMO_WORKSPACE_NAME, demo_seed


class Command(BaseCommand):
    help = "Create (or top up) the demo workspace with one user per role. Safe to run again."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo workspace “{DEMO_WORKSPACE_NAME}” is ready."))
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ as any of:")
        for role_label, email in users:
            self.stdout.write(f"  {role_label:<14} {email}")
        self.stdout.write(f"Password for all of them: {DEMO_PASSWORD}")
