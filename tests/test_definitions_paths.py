"""Path patterns and behaviour matching (cloudfront-distribution-facts.md §3.1)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgelab.definitions.paths import (
    match_behavior,
    normalize_path,
    normalize_pattern,
    pattern_matches,
    pattern_problem,
)
from tests.strategies import path_patterns, pattern_paths

MATCHES = [
    ("§3.1 * crosses /", "/images/*.jpg", "/images/a/b.jpg", True),
    ("§3.1 *.jpg matches in any folder", "*.jpg", "/abra/cadabra/magic.jpg", True),
    ("§3.1 a*.jpg: leading / optional, * crosses /", "a*.jpg", "/abra/cadabra/magic.jpg", True),
    ("§3.1 * may match nothing", "/images/*", "/images/", True),
    ("§3.1 the folder itself is not under /images/*", "/images/*", "/images", False),
    ("§3.1 leading / is optional", "images/*", "/images/x.png", True),
    ("§3.1 case-sensitive", "*.JPG", "/a.jpg", False),
    ("§3.1 case-sensitive folder", "/Images/*", "/images/a", False),
    ("§3.1 ? is exactly one character", "/a?c", "/abc", True),
    ("§3.1 ? is not zero characters", "/a?c", "/ac", False),
    ("§3.1 ? is not two characters", "/a?c", "/abbc", False),
    ("§3.1 ? matches /", "/a?c", "/a/c", True),
    ("§3.1 query string ignored", "/api/*", "/api/users?id=1", True),
    ("§3.1 query string never matched", "*id=1", "/api/users?id=1", False),
    ("§3.1 whole path must match", "/api", "/api/v1", False),
    ("§3.1 exact path", "/api", "/api", True),
    ("§3.1 . is literal", "/a.b", "/axb", False),
    ("§3.1 + is literal", "/a+b", "/aab", False),
    ("§3.1 + matches itself", "/a+b", "/a+b", True),
    ("§3.1 $ is literal", "/price$/*", "/price$/x", True),
    ("§3.1 &amp; stands for &", "/a&amp;b", "/a&b", True),
    ("§3.1 // collapsed before matching", "/a/b/*", "/a//b/c", True),
    ("§3.1 dot segments resolved", "/docs/x", "/docs/./x", True),
    ("§3.1 .. resolved (doc example)", "/a*", "/a/b/..?c=1", True),
    ("§3.1 .. resolved: /a/b* no longer matches", "/a/b*", "/a/b/..?c=1", False),
    ("§3.1 default matches everything", "*", "/anything/at/all?x", True),
]


@pytest.mark.parametrize(
    ("pattern", "uri", "expected"), [m[1:] for m in MATCHES], ids=[m[0] for m in MATCHES]
)
def test_path_pattern_matching(pattern: str, uri: str, expected: bool) -> None:
    assert pattern_matches(pattern, uri) is expected


NORMALIZED = [
    ("§3.1 empty is /", "", "/"),
    ("§3.1 query dropped", "/a?b=1", "/a"),
    ("§3.1 double slashes", "//a///b", "/a/b"),
    ("§3.1 RFC 3986 trailing ..", "/a/b/..", "/a/"),
    ("§3.1 RFC 3986 inner ..", "/a/b/../c", "/a/c"),
    ("§3.1 .. above the root stays at the root", "/../a", "/a"),
    ("§3.1 trailing .", "/a/.", "/a/"),
    ("§3.1 dots inside names are kept", "/a..b/c.d", "/a..b/c.d"),
]


@pytest.mark.parametrize(
    ("uri", "expected"), [n[1:] for n in NORMALIZED], ids=[n[0] for n in NORMALIZED]
)
def test_path_normalisation(uri: str, expected: str) -> None:
    # DEFINITION_DECISIONS "dot segments in the path"
    assert normalize_path(uri) == expected


PROBLEMS = [
    ("§3.1 allowed characters", "/a-b_c.d~e$f'g\"h@i:j+k&l/*", None),
    ("§3.1 space", "/a b/*", "character"),
    ("§3.1 percent", "/a%20b", "character"),
    ("§3.1 brackets", "/a[1]", "character"),
    ("§3.1 empty", "", "non-empty"),
    ("§3.1 longer than 255", "/" + "a" * 255, "at most 255"),
    ("§3.1 exactly 255", "/" + "a" * 254, None),
]


@pytest.mark.parametrize(
    ("pattern", "problem"), [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS]
)
def test_pattern_validation(pattern: str, problem: str | None) -> None:
    found = pattern_problem(pattern)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
        if "character" in problem:
            assert "§3.1" in found


@dataclass(frozen=True)
class B:
    path_pattern: str
    is_default: bool = False


def test_first_match_in_order_wins() -> None:
    behaviors = [B("/api/*"), B("/api/v2/*"), B("*", True)]
    assert match_behavior(behaviors, "/api/v2/x").path_pattern == "/api/*"


def test_the_default_behaviour_answers_when_nothing_matches() -> None:
    behaviors = [B("/api/*"), B("*.css"), B("*", True)]
    assert match_behavior(behaviors, "/index.html").is_default
    assert match_behavior(behaviors, "/a/site.css").path_pattern == "*.css"


def test_doc_example_dot_segments_pick_the_shorter_pattern() -> None:
    behaviors = [B("/a/b*"), B("/a*"), B("*", True)]
    assert match_behavior(behaviors, "/a/b/..?c=1").path_pattern == "/a*"


def test_match_behavior_needs_a_default() -> None:
    with pytest.raises(ValueError, match="default"):
        match_behavior([], "/")


@given(path_patterns(), pattern_paths())
def test_matching_agrees_with_fnmatchcase(pattern: str, path: str) -> None:
    """fnmatch's ``*`` and ``?`` also cross ``/``; with no ``[`` in the alphabet it is a
    reference for CloudFront's rules (on normalised paths)."""
    expected = fnmatch.fnmatchcase(normalize_path(path), normalize_pattern(pattern))
    assert pattern_matches(pattern, path) is expected


@given(pattern_paths())
def test_a_literal_pattern_matches_only_its_own_path(path: str) -> None:
    literal = normalize_path(path)
    assert pattern_matches(literal, path)
    assert not pattern_matches(literal + "x", path)


@given(st.text(max_size=40))
def test_pattern_problem_never_crashes(text: str) -> None:
    assert pattern_problem(text) is None or isinstance(pattern_problem(text), str)
