"""edgelab's TOML: today's one-behaviour files read unchanged into the model, and the full
form (origins, groups, ordered behaviours, policies, functions, errors, staging)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.definitions import DistributionSpec, Selection
from tests.conftest import ROOT
from tests.definitions_helpers import DEFS, load
from tests.test_distribution_config import BAD, write

FULL = DEFS / "toml" / "full.toml"
OLD_FILES = [
    ROOT / "examples" / "distribution" / "distribution.toml",
    ROOT / "edgelab" / "demo" / "distribution.toml",
]


@pytest.mark.parametrize("path", OLD_FILES, ids=lambda p: p.parent.name)
def test_todays_files_read_as_one_default_behaviour(path: Path, tmp_path: Path) -> None:
    spec = load(path, tmp_path)
    dist = el.load_distribution(path)
    try:
        (b,) = spec.behaviors
        assert b.is_default and b.path_pattern == "*" and b.target_origin_id == "origin"
        assert b.allowed_methods == ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")
        cp, old = b.cache_policy, dist.cache_policy
        assert (cp.min_ttl, cp.default_ttl, cp.max_ttl) == (
            old.min_ttl,
            old.default_ttl,
            old.max_ttl,
        )
        assert [h.lower() for h in cp.headers.names] == list(old.headers)
        assert (cp.gzip, cp.brotli) == (old.gzip, old.brotli)
        assert b.cached_methods == old.cached_methods
        assert spec.default_error_caching_ttl == old.error_ttl
        cf = b.origin_request_policy.cloudfront_headers if b.origin_request_policy else ()
        assert [h.lower() for h in cf] == list(dist.origin_request_policy.cloudfront_headers)
        handlers = {a.event_type: Path(a.function.path) for a in b.functions}
        assert handlers == {
            t.value: Path(
                bound.handler.spec.rpartition(":")[0]
                if bound.handler.spec.count(":")
                else bound.handler.spec
            )
            for t, bound in dist.triggers.items()
        }
        origin = spec.origins[0]
        assert (origin.kind, origin.local.kind, Path(origin.local.path or "")) == (
            "s3",
            "folder",
            dist.origin.root,
        )
        assert origin.local.missing == dist.origin.missing
        assert spec.domain_name == dist.domain_name
    finally:
        dist.close()


def test_todays_mapping_origin_and_policies(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[distribution]
domain_name = "d123.cloudfront.net"
rules = "2025"
isolated = true
[triggers]
origin-request = { handler = "h.py", include_body = true }
[origin]
type = "mapping"
[origin.responses."/a"]
status = 201
headers = { "Content-Type" = "text/plain" }
body = "made"
[cache]
default_ttl = 60
query_strings = ["v"]
cookies = "all"
error_ttl = 5
cached_methods = ["GET", "HEAD", "OPTIONS"]
[origin_request_policy]
headers = "all"
cloudfront_headers = ["CloudFront-Viewer-Country"]
[viewer]
country = "JP"
edge_location = "NRT57-P1"
""",
    )
    spec = load(path, tmp_path)
    b = spec.default_behavior
    assert spec.settings == {
        "rules": "2025",
        "isolated": True,
        "edge_location": "NRT57-P1",
        "viewer": {"country": "JP"},
    }
    assert spec.origins[0].local.responses["/a"] == {
        "status": 201,
        "headers": {"Content-Type": "text/plain"},
        "body": "made",
    }
    assert (b.cache_policy.default_ttl, b.cache_policy.query_strings, b.cache_policy.cookies) == (
        60,
        Selection("whitelist", ("v",)),
        Selection("all"),
    )
    assert b.cached_methods == ("GET", "HEAD", "OPTIONS") and spec.default_error_caching_ttl == 5
    assert b.origin_request_policy.headers == Selection("allViewer")
    assert b.origin_request_policy.cloudfront_headers == ("CloudFront-Viewer-Country",)
    assert b.function("origin-request").include_body


@pytest.mark.parametrize("text", [b[1] for b in BAD], ids=[b[0] for b in BAD])
def test_todays_bad_files_are_refused_too(tmp_path: Path, text: str) -> None:
    """Every file today's loader refuses, the model's loader refuses as well."""
    path = write(tmp_path, text)
    with pytest.raises(el.DefinitionError):
        load(path, tmp_path)


@pytest.fixture
def full(tmp_path: Path) -> DistributionSpec:
    return load(FULL, tmp_path)


FULL_FIELDS: list[tuple[str, Any, Any]] = [
    (
        "origins by id",
        lambda s: [(o.id, o.kind, o.local.kind) for o in s.origins],
        [
            ("site", "s3", "folder"),
            ("backup", "s3", "folder"),
            ("api", "custom", "http"),
            ("status", "custom", "mapping"),
        ],
    ),
    (
        "http origin: base URL and origin path",
        lambda s: (
            s.origin("api").local.url,
            s.origin("api").origin_path,
            s.origin("api").local.read_timeout,
            s.origin("api").protocol_policy,
            s.origin("api").http_port,
        ),
        ("http://127.0.0.1:9000", "/v1", 5, "http-only", 9000),
    ),
    ("custom headers", lambda s: s.origin("api").custom_headers, (("X-Origin-Key", "local"),)),
    ("folder missing = 404", lambda s: s.origin("site").local.missing, 404),
    (
        "origin group",
        lambda s: (s.origin_groups[0].id, s.origin_groups[0].members),
        ("site-ha", ("site", "backup")),
    ),
    (
        "behaviour order, default last",
        lambda s: [b.path_pattern for b in s.behaviors],
        ["/api/*", "/health", "/legacy/*", "*"],
    ),
    (
        "named cache policy",
        lambda s: (
            s.behaviors[0].cache_policy.name,
            s.behaviors[0].cache_policy.default_ttl,
            s.behaviors[0].cache_policy.query_strings,
        ),
        ("api-short", 5, Selection("all")),
    ),
    (
        "managed origin request policy by name",
        lambda s: s.behaviors[0].origin_request_policy.name,
        "AllViewerExceptHostHeader",
    ),
    (
        "named response headers policy",
        lambda s: (
            s.behaviors[0].response_headers_policy.cors.allow_origins,
            s.behaviors[0].response_headers_policy.cors.max_age_sec,
            s.behaviors[0].response_headers_policy.custom_headers[0].name,
            s.behaviors[0].response_headers_policy.remove_headers,
            s.behaviors[0].response_headers_policy.server_timing.sampling_rate,
        ),
        (("https://app.example",), 600, "X-Env", ("Server",), 100),
    ),
    (
        "inline cache policy",
        lambda s: (s.behaviors[1].cache_policy.caching_disabled, s.behaviors[1].cache_policy.gzip),
        (True, False),
    ),
    (
        "default cache policy is CachingOptimized",
        lambda s: s.default_behavior.cache_policy.name,
        "CachingOptimized",
    ),
    (
        "legacy forwarded values",
        lambda s: (
            s.behaviors[2].cache_policy.legacy,
            s.behaviors[2].cache_policy.min_ttl,
            s.behaviors[2].cache_policy.query_strings,
            s.behaviors[2].cache_policy.cookies,
            s.behaviors[2].origin_request_policy.query_strings,
        ),
        (
            True,
            10,
            Selection("whitelist", ("v",)),
            Selection("whitelist", ("session",)),
            Selection("all"),
        ),
    ),
    (
        "defaults: allow-all, GET/HEAD",
        lambda s: (s.behaviors[1].viewer_protocol_policy, s.behaviors[1].allowed_methods),
        ("allow-all", ("GET", "HEAD")),
    ),
    (
        "functions of both kinds",
        lambda s: [(a.event_type, a.kind) for a in s.default_behavior.functions],
        [("viewer-request", "cloudfront-function"), ("origin-response", "lambda@edge")],
    ),
    (
        "key value store import file",
        lambda s: Path(s.default_behavior.functions[0].function.key_value_store.data_path).name,
        "redirects.json",
    ),
    ("include body", lambda s: s.behaviors[0].function("origin-request").include_body, True),
    (
        "error responses",
        lambda s: [
            (e.error_code, e.response_page_path, e.response_code, e.error_caching_min_ttl)
            for e in s.custom_error_responses
        ],
        [(404, "/404.html", 404, 30), (503, None, None, 10)],
    ),
    (
        "staging",
        lambda s: (
            s.staging.policy.weight,
            s.staging.policy.session_stickiness.maximum_ttl,
            s.staging.distribution.is_staging,
            s.staging.distribution.default_behavior.functions[0].function.name,
        ),
        (0.1, 900, True, "cache_v2"),
    ),
    ("viewer defaults", lambda s: s.settings["viewer"], {"country": "FR"}),
    (
        "distribution settings",
        lambda s: (s.id, s.domain_name, s.default_root_object, s.comment),
        ("EDFDVBD6EXAMPLE", "d111111abcdef8.cloudfront.net", "index.html", "toml full form"),
    ),
]


@pytest.mark.parametrize(
    ("getter", "expected"), [f[1:] for f in FULL_FIELDS], ids=[f[0] for f in FULL_FIELDS]
)
def test_full_form_fields(full: DistributionSpec, getter: Any, expected: Any) -> None:
    assert getter(full) == expected


def test_full_form_behaviour_matching(full: DistributionSpec) -> None:
    assert full.behavior_for("/api/orders").target_origin_id == "api"
    assert full.behavior_for("/health").target_origin_id == "status"
    assert full.behavior_for("/healthz").is_default


SITE = '[[origins]]\nid = "site"\ntype = "folder"\npath = "site/"\n'
TOML_ERRORS = [
    (
        "mixing the two forms",
        SITE + '[triggers]\nviewer-request = "h.py"\n',
        "",
        "mixes today's one-behaviour sections",
    ),
    (
        "unknown behaviour key",
        SITE + '[[behaviors]]\npattern = "/x"\n',
        "behaviors[0]",
        "unknown key 'pattern'",
    ),
    (
        "default must be last",
        SITE + '[[behaviors]]\npath_pattern = "/a/*"\n',
        "behaviors[0].path_pattern",
        "the last [[behaviors]] is the default",
    ),
    (
        "non-default needs a pattern",
        SITE + "[[behaviors]]\n[[behaviors]]\n",
        "behaviors[0]",
        "may leave out path_pattern",
    ),
    (
        "§3.1 bad pattern",
        SITE + '[[behaviors]]\npath_pattern = "/x y"\n[[behaviors]]\n',
        "behaviors[0].path_pattern",
        "character",
    ),
    (
        "missing handler",
        SITE + '[[behaviors]]\n[behaviors.functions]\nviewer-request = "nope.py"\n',
        "behaviors[0].functions.viewer-request",
        "does not exist",
    ),
    (
        "unknown policy name",
        SITE + '[[behaviors]]\ncache_policy = "Nope"\n',
        "behaviors[0].cache_policy",
        "neither a [cache_policies.NAME] table",
    ),
    (
        "target needed with several origins",
        SITE + '[[origins]]\nid = "b"\ntype = "echo"\n[[behaviors]]\n',
        "behaviors[0]",
        "target_origin is required",
    ),
    (
        "unknown target",
        SITE + '[[behaviors]]\ntarget_origin = "x"\n',
        "behaviors[0].target_origin",
        "neither an origin nor an origin group",
    ),
    (
        "§5.4 include body on a response event",
        SITE + "[[behaviors]]\n[behaviors.functions]\n"
        'origin-response = { handler = "h.py", include_body = true }\n',
        "behaviors[0].functions.origin-response.include_body",
        "viewer-request and origin-request",
    ),
    (
        "CFF §6 CloudFront Function on an origin event",
        SITE + "[[behaviors]]\n"
        '[behaviors.functions]\norigin-request = { cloudfront_function = "f.js" }\n',
        "behaviors[0].functions.origin-request",
        "viewer-request or viewer-response",
    ),
    (
        "CFF §6 beside Lambda@Edge",
        SITE + "[[behaviors]]\n[behaviors.functions]\n"
        'viewer-request = { cloudfront_function = "f.js" }\nviewer-response = "h.py"\n',
        "behaviors[0]",
        "cannot be combined",
    ),
    (
        "§2 group members",
        SITE + '[[origin_groups]]\nid = "g"\nmembers = ["site"]\n'
        "failover_status_codes = [500]\n[[behaviors]]\n",
        "origin_groups[0].members",
        "exactly 2 members",
    ),
    (
        "§2 failover codes",
        SITE + '[[origins]]\nid = "b"\ntype = "echo"\n[[origin_groups]]\n'
        'id = "g"\nmembers = ["site", "b"]\nfailover_status_codes = [501]\n[[behaviors]]\n'
        'target_origin = "g"\n',
        "origin_groups[0].failover_status_codes",
        "one or more of",
    ),
    (
        "§6.1 error code",
        SITE + "[[behaviors]]\n[[custom_error_responses]]\nerror_code = 418\n",
        "custom_error_responses[0].error_code",
        "ErrorCode must be one of",
    ),
    (
        "§9 staging weight",
        SITE + '[[behaviors]]\n[staging]\ndefinition = "s.toml"\nweight = 0.5\n',
        "staging.weight",
        "at most 15 %",
    ),
    (
        "§9 staging needs a definition",
        SITE + "[[behaviors]]\n[staging]\nweight = 0.1\n",
        "staging",
        "needs definition",
    ),
]


@pytest.mark.parametrize(
    ("text", "where", "message"), [e[1:] for e in TOML_ERRORS], ids=[e[0] for e in TOML_ERRORS]
)
def test_full_form_errors_name_the_key(tmp_path: Path, text: str, where: str, message: str) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "h.py").write_text("def handler(event, context):\n    return None\n")
    (tmp_path / "f.js").write_text("function handler(event) { return event.request; }\n")
    path = tmp_path / "d.toml"
    path.write_text(text)
    with pytest.raises(el.DefinitionError) as info:
        load(path, tmp_path)
    assert info.value.where == where, str(info.value)
    assert message in str(info.value)
    assert str(info.value).startswith(
        f"{info.value.file}, {where}: " if where else f"{info.value.file}: "
    )


def test_origin_mapping_overrides_a_toml_origin(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    spec = load(FULL, tmp_path, origins={"api": str(other)})
    assert spec.origin("api").local.kind == "folder"
    assert spec.origin("api").local.mapped_by == "--origin"
