from typing import Any

from django.core.management.base import BaseCommand

from apps.gateway.model_settings import credential_reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored provider key under the first ATELIER_ENCRYPTION_KEYS entry. "
        "Run it after putting a new key first; then the old key can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = credential_reencrypt_all()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} provider key(s)."))
