"""Path patterns and behaviour matching (facts §3.1): the rules live in
:mod:`edgelab.edge.paths`, where the chain picks a behaviour per request; the importers
use the same functions to check the patterns a definition gives."""

from __future__ import annotations

from ..edge.paths import (
    MAX_PATTERN_LENGTH,
    PATTERN_CHARS,
    match_behavior,
    normalize_path,
    normalize_pattern,
    pattern_matches,
    pattern_problem,
)

__all__ = [
    "MAX_PATTERN_LENGTH",
    "PATTERN_CHARS",
    "match_behavior",
    "normalize_path",
    "normalize_pattern",
    "pattern_matches",
    "pattern_problem",
]
