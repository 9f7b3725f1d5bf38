"""Write the brand layer's background corpus (apps/brand/data/background.txt.gz) again from its
vocabulary (apps/brand/data/background_vocabulary.json), or check that the shipped file is
what the vocabulary makes. Run it after editing the vocabulary and commit both files."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.brand import background


class Command(BaseCommand):
    help = "Regenerate (or --check) the background corpus brand profiles train against."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail when the shipped corpus differs from the vocabulary's.",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        path = background.BACKGROUND_PATH
        if check:
            expected = background.background_bytes(background.generate_background())
            if not path.exists() or path.read_bytes() != expected:
                raise CommandError(
                    f"{path} is not what {background.VOCABULARY_PATH.name} makes: run "
                    "`python manage.py background_corpus` and commit the result."
                )
            self.stdout.write(f"{path} matches {background.VOCABULARY_PATH.name}.")
            return
        count = background.write_background(path)
        self.stdout.write(f"Wrote {count} texts to {path}.")
