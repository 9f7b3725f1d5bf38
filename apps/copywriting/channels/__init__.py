"""Layer 2: what each kind of copy must be. One table, read by the interface (fields and
counters), the prompts (instructions and structure) and the validators (limits and rules).

Every limit says whether it is **hard** (output that breaks it is trimmed, or regenerated, and
never submitted silently) or **advice** (a warning the writer sees).

* :mod:`.specs`: the table (``SPECS``, ``CopySpec``, ``Field``, ``Limit``, ``spec_for``);
* :mod:`.counting`: lengths as each channel counts them;
* :mod:`.values`: data in a spec's shape (``normalise``, ``render``, ``editable_text``);
* :mod:`.checks`: ``check`` against the limits and rules, ``repair`` what can be repaired;
* :mod:`.schema`: the JSON schema a model is asked to fill, the limits in words.

Everything is re-exported here: ``channels.SPECS``, ``channels.check``, …
"""

from apps.copywriting.channels.checks import (
    Check,
    Count,
    Violation,
    check,
    repair,
    trim_to,
)
from apps.copywriting.channels.counting import (
    URL_RE,
    X_URL_WEIGHT,
    html_text,
    plain_length,
    x_weighted_length,
)
from apps.copywriting.channels.schema import describe_limits, json_schema
from apps.copywriting.channels.specs import (
    AMAZON_REPEATABLE,
    AMAZON_TITLE_FORBIDDEN,
    COPY_TYPE_CHOICES,
    MAX_HASHTAGS,
    PROMO_PHRASES,
    SPECS,
    CopySpec,
    Field,
    Limit,
    spec_for,
)
from apps.copywriting.channels.values import editable_text, normalise, render

__all__ = [
    "AMAZON_REPEATABLE",
    "AMAZON_TITLE_FORBIDDEN",
    "COPY_TYPE_CHOICES",
    "MAX_HASHTAGS",
    "PROMO_PHRASES",
    "SPECS",
    "URL_RE",
    "X_URL_WEIGHT",
    "Check",
    "CopySpec",
    "Count",
    "Field",
    "Limit",
    "Violation",
    "check",
    "describe_limits",
    "editable_text",
    "html_text",
    "json_schema",
    "normalise",
    "plain_length",
    "render",
    "repair",
    "spec_for",
    "trim_to",
    "x_weighted_length",
]
