"""Fine-tuning examples from the copy studio's approved copy, registered with the brand layer
(``apps.brand.registry``) so that a profile's fine-tuning export is written exactly as the
copy studio's prompts are: one example per approved draft, with the instruction of its own kind
of copy (an e-mail subject is asked for as an e-mail subject), the product's facts, and the
approved text as the model would answer it (the kind's JSON schema).
"""

from __future__ import annotations

import json

from apps.brand.models import BrandProfile
from apps.brand.services import brand_voice
from apps.copywriting import prompting, selectors
from apps.copywriting.facts import product_facts
from apps.workspaces.models import Workspace


def fine_tune_examples(*, workspace: Workspace, profile: BrandProfile) -> list[dict]:
    version = profile.active_version
    voice = (
        brand_voice(workspace=workspace, version=version)
        if version is not None and version.is_ready
        else None
    )
    settings_row = selectors.copy_settings_for(workspace=workspace)
    examples = []
    for draft in selectors.drafts_taught_to(workspace=workspace, profile=profile):
        if draft.chosen_variant is None:
            continue
        spec = selectors.spec_for_workspace(workspace=workspace, code=draft.copy_type)
        facts = product_facts(draft.product)
        brief = prompting.Brief(
            target_words=settings_row.description_target_words,
            bullet_max=settings_row.amazon_bullet_max_chars,
        )
        answer = prompting.to_schema_answer(spec, draft.chosen_variant.data)
        examples.append(
            {
                "messages": [
                    {"role": "system", "content": prompting.system_prompt(spec, voice)},
                    {"role": "user", "content": prompting.user_prompt(spec, facts, brief)},
                    {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)},
                ]
            }
        )
    return examples
