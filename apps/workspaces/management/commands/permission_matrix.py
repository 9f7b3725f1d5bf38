from django.core.management.base import BaseCommand

from apps.workspaces.roles import permission_matrix_markdown


class Command(BaseCommand):
    help = "Print the role × action permission matrix (Markdown) for docs/guide."

    def handle(self, *args, **options):
        self.stdout.write(permission_matrix_markdown())
