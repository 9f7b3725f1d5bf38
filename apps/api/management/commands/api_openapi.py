import json

from django.core.management.base import BaseCommand

from apps.api.api import api

DOCUMENT = "docs/api/openapi.json"


def openapi_document() -> str:
    """The OpenAPI 3 document of /api/v1/, as checked into docs/api/openapi.json."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = f"Print the API's OpenAPI document (`make openapi` writes it to {DOCUMENT})."

    def handle(self, *args, **options):
        self.stdout.write(openapi_document(), ending="")
