from django.apps import AppConfig


class CopywritingConfig(AppConfig):
    name = "apps.copywriting"
    label = "copywriting"
    verbose_name = "Copy studio"

    def ready(self) -> None:
        from apps.brand.registry import register_fine_tune_source
        from apps.copywriting import dashboard, exports, fine_tuning, writer
        from apps.copywriting.services import review
        from apps.gateway.providers.local import register_text_writer

        dashboard.register()
        # The channel exports (Amazon, Google Ads, Meta, social, e-mail) on the catalog's page.
        exports.register()
        # The offline writer of product copy is the local provider's "copy" writer (layer 1
        # offers the slot; the copy studio, which owns the knowledge, fills it).
        register_text_writer(writer.WRITER_NAME, writer.write_copy)
        register_fine_tune_source("copy", fine_tuning.fine_tune_examples)
        # Copy drafts are reviewed through the one review seam, which also registers the
        # copy.* events (apps/copywriting/events.py).
        review.register()
