from django.core.management.base import BaseCommand

from apps.demo.seeding import DEMO_PASSWORD, DEMO_WORKSPACE_NAME, demo_seed


class Command(BaseCommand):
    help = (
        "Create (or top up) the demo workspace: one member per role, a catalog with photos, a "
        "trained brand profile and light, recipes, and copy and photos in every review state. "
        "Safe to run again."
    )

    def handle(self, *args, **options):
        report = demo_seed(log=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo workspace “{DEMO_WORKSPACE_NAME}” is ready ({report.seconds:.1f} s)."
            )
        )
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ as any of:")
        for role_label, email in report.logins:
            self.stdout.write(f"  {role_label:<14} {email}")
        self.stdout.write(f"Password for all of them: {DEMO_PASSWORD}")
