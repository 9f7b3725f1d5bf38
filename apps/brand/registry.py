"""What other apps contribute to the brand layer, registered from their ``AppConfig.ready()``.

The brand layer (3) never imports the applications above it (5); they hand it what it needs:

* fine-tuning examples: the copy studio registers a source that turns approved copy into chat
  examples written exactly as its prompts are (one example per kind of copy, with that kind's
  instruction), so a fine-tuned model is trained on what it will be asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# (workspace, profile) -> {"messages": [{"role": ..., "content": ...}, ...]} examples
FineTuneSource = Callable[..., Iterable[dict[str, Any]]]
_FINE_TUNE_SOURCES: dict[str, FineTuneSource] = {}


def register_fine_tune_source(name: str, source: FineTuneSource) -> None:
    """``source(workspace=, profile=)`` yields chat examples for the profile's fine-tuning."""
    _FINE_TUNE_SOURCES[name] = source


def fine_tune_sources() -> list[FineTuneSource]:
    return list(_FINE_TUNE_SOURCES.values())
