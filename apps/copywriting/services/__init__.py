"""Writes for the copy studio, one module per sub-domain:

* :mod:`.runs`: starting a run (a job), one job item, one product's copy written at once;
* :mod:`.editing`: autosaves, rewriting a variant with feedback, choosing the variant;
* :mod:`.review`: copy as a kind of reviewable work on the review seam (``apps.reviews``);
* :mod:`.workspace_settings`: the workspace's copy settings;
* :mod:`.common`: the brief of a run and the setting copy is written in.

Services a person starts take the acting member (``actor=``, an
:class:`~apps.workspaces.actors.Actor`) and check the role themselves; the job item is system
work and takes the workspace. The public names are re-exported here.
"""

from apps.copywriting.services.common import (
    CREDIT_KIND,
    GENERATE_JOB_KIND,
    MAX_PRODUCTS_PER_RUN,
    MAX_VARIANTS,
    NO_BRAND_PROFILE,
    CopyBrief,
)
from apps.copywriting.services.editing import (
    EDIT_SESSION_SECONDS,
    access_draft_for_update,
    access_variant_for_update,
    copy_variant_choose,
    copy_variant_edit,
    copy_variant_regenerate,
)
from apps.copywriting.services.review import copy_review_decide
from apps.copywriting.services.runs import (
    copy_draft_create,
    copy_generate_item,
    copy_generation_start,
)
from apps.copywriting.services.workspace_settings import copy_settings_update

__all__ = [
    "CREDIT_KIND",
    "EDIT_SESSION_SECONDS",
    "GENERATE_JOB_KIND",
    "MAX_PRODUCTS_PER_RUN",
    "MAX_VARIANTS",
    "NO_BRAND_PROFILE",
    "CopyBrief",
    "access_draft_for_update",
    "access_variant_for_update",
    "copy_draft_create",
    "copy_generate_item",
    "copy_generation_start",
    "copy_review_decide",
    "copy_settings_update",
    "copy_variant_choose",
    "copy_variant_edit",
    "copy_variant_regenerate",
]
