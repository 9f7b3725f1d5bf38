"""What other apps contribute to the brand layer, registered from their ``AppConfig.ready()``.

The brand layer (3) never imports the applications above it (5); they hand it what it needs:

* fine-tuning examples: the copy studio registers a source that turns approved copy into chat
  examples written exactly as its prompts are (one example per kind of copy, with that kind's
  instruction), so a fine-tuned model is trained on what it will be asked.
* workspace copy: the catalog registers a source of its live descriptions and approved copy,
  which a profile learns from too when its brand manager ticks "also learn from this
  workspace's copy" (``BrandProfile.use_workspace_copy``).
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


# (workspace=) -> (product title, text or HTML) pairs
WorkspaceCopySource = Callable[..., Iterable[tuple[str, str]]]
_WORKSPACE_COPY_SOURCES: dict[str, WorkspaceCopySource] = {}


def register_workspace_copy_source(name: str, source: WorkspaceCopySource) -> None:
    """``source(workspace=)`` yields (title, copy) pairs of the workspace's own copy; HTML is
    made plain text by the brand layer. Registering a name again replaces its source."""
    _WORKSPACE_COPY_SOURCES[name] = source


def unregister_workspace_copy_source(name: str) -> None:
    _WORKSPACE_COPY_SOURCES.pop(name, None)


def workspace_copy_sources() -> list[WorkspaceCopySource]:
    return list(_WORKSPACE_COPY_SOURCES.values())
