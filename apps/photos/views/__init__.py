"""Photo studio pages, one module per part of the studio (``studio``, ``photo``, ``outputs``,
``recipes``, ``downloads``; ``common`` holds what they share). Thin: parse, let
``workspace_view`` check the role, call one service or selector, render."""
