from typing import Any

from django.core.management.base import BaseCommand

from apps.webhooks.services import endpoint_reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every webhook signing secret under the first ATELIER_ENCRYPTION_KEYS entry "
        "(run it with gateway_reencrypt_keys after putting a new key first)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = endpoint_reencrypt_all()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the secrets of {count} endpoint(s)."))
