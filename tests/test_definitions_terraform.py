"""terraform show -json output, of a state and of a plan (cloudfront-distribution-facts.md
§11.6); fixtures written by hand from the provider's schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.definitions import DistributionSpec, Selection
from tests.definitions_helpers import DEFS, line_with, load

TF = DEFS / "terraform"
STATE = TF / "state.json"
PLAN = TF / "plan.json"


@pytest.fixture
def state(tmp_path: Path) -> DistributionSpec:
    return load(STATE, tmp_path)


STATE_FIELDS: list[tuple[str, Any, Any]] = [
    (
        "§11.6 address in a child module",
        lambda s: (s.name, s.format),
        ("module.cdn.aws_cloudfront_distribution.this[0]", "terraform"),
    ),
    (
        "§11.6 computed id and domain",
        lambda s: (s.id, s.domain_name),
        ("E2DOCSEXAMPLE", "d3docsexample.cloudfront.net"),
    ),
    (
        "§11.6 ordered_cache_behavior order, default last",
        lambda s: [b.path_pattern for b in s.behaviors],
        ["/internal/*", "/search", "*"],
    ),
    (
        "§11.6 origin blocks",
        lambda s: [(o.id, o.kind) for o in s.origins],
        [("docs-s3", "s3"), ("search", "custom")],
    ),
    (
        "§11.6 custom_header",
        lambda s: s.origin("search").custom_headers,
        (("X-Search-Key", "docs"),),
    ),
    (
        "§11.6 custom_error_response",
        lambda s: [
            (e.error_code, e.response_page_path, e.response_code, e.error_caching_min_ttl)
            for e in s.custom_error_responses
        ],
        [(404, "/404.html", 404, 30)],
    ),
    (
        "§4.6 legacy forwarded_values and TTLs",
        lambda s: (
            s.behaviors[0].cache_policy.legacy,
            s.behaviors[0].cache_policy.cookies,
            s.behaviors[0].cache_policy.default_ttl,
            s.behaviors[0].cache_policy.max_ttl,
        ),
        (True, Selection("whitelist", ("team",)), 300, 600),
    ),
    (
        "§4.1 aws_cloudfront_cache_policy",
        lambda s: (
            s.default_behavior.cache_policy.name,
            s.default_behavior.cache_policy.id,
            s.default_behavior.cache_policy.headers,
            s.default_behavior.cache_policy.query_strings,
        ),
        (
            "docs-pages",
            "7c1f0e2d-3b4a-4c5d-9e8f-0a1b2c3d4e5f",
            Selection("whitelist", ("Accept-Language",)),
            Selection("whitelist", ("lang",)),
        ),
    ),
    (
        "§4.4 data source by managed name",
        lambda s: s.default_behavior.origin_request_policy.name,
        "CORS-S3Origin",
    ),
    (
        "§5 aws_cloudfront_response_headers_policy",
        lambda s: (
            [(h.name, h.value) for h in s.default_behavior.response_headers_policy.custom_headers],
            s.default_behavior.response_headers_policy.remove_headers,
            {h.name: h.value for h in s.default_behavior.response_headers_policy.security_headers},
        ),
        (
            [("X-Robots-Tag", "noindex")],
            ("X-Powered-By",),
            {
                "X-Content-Type-Options": "nosniff",
                "X-Frame-Options": "SAMEORIGIN",
                "Referrer-Policy": "same-origin",
                "Strict-Transport-Security": "max-age=31536000",
            },
        ),
    ),
    (
        "§4.3 managed policy ids in behaviours",
        lambda s: (s.behaviors[1].cache_policy.name, s.behaviors[1].origin_request_policy.name),
        ("CachingDisabled", "AllViewerExceptHostHeader"),
    ),
    (
        "§11.6 lambda_arn (qualified) to the function",
        lambda s: (
            s.behaviors[0].function("viewer-request").function.name,
            s.behaviors[0].function("viewer-request").function.arn,
        ),
        ("docs-auth", "arn:aws:lambda:us-east-1:123456789012:function:docs-auth:3"),
    ),
    (
        "§11.6 archive_file source_dir",
        lambda s: (
            s.default_behavior.function("origin-response").function.code_from,
            Path(s.default_behavior.function("origin-response").function.path).name,
        ),
        ("archive source_dir", "main.py"),
    ),
    (
        "§11.6 skipped resources",
        lambda s: [(x.name, x.type) for x in s.skipped],
        [("aws_s3_bucket.docs", "aws_s3_bucket")],
    ),
]


@pytest.mark.parametrize(
    ("getter", "expected"), [f[1:] for f in STATE_FIELDS], ids=[f[0] for f in STATE_FIELDS]
)
def test_state_fields(state: DistributionSpec, getter: Any, expected: Any) -> None:
    assert getter(state) == expected


def test_filename_zip_is_unpacked_into_the_cache(state: DistributionSpec, tmp_path: Path) -> None:
    fn = state.behaviors[0].function("viewer-request").function
    assert Path(fn.path).is_relative_to(tmp_path / "cache" / "unzipped")
    assert (Path(fn.path).name, fn.language, fn.code_from) == ("index.js", "node", "filename zip")


def test_cloudfront_function_and_its_key_value_store_entries(state: DistributionSpec) -> None:
    cff = state.default_behavior.function("viewer-request").function
    assert cff.kind == "cloudfront-function" and "kvs.exists" in Path(cff.path).read_text()
    store = cff.key_value_store
    assert store is not None and store.name == "docs-redirects" and store.data_path
    data = json.loads(Path(store.data_path).read_text())
    assert data == {
        "data": [
            {"key": "/old-home", "value": "/"},
            {"key": "/guide", "value": "/guides/"},
            {"key": "/howto", "value": "/guides/howto/"},
        ]
    }


def test_plan_follows_references_for_unknown_values(tmp_path: Path) -> None:
    spec = load(PLAN, tmp_path)
    assert spec.name == "aws_cloudfront_distribution.main"
    assert spec.default_behavior.cache_policy.name == "CachingOptimized"
    fn = spec.default_behavior.function("viewer-response").function
    assert (fn.name, fn.code_from, Path(fn.path).name) == (
        "docs-headers",
        "archive source_dir",
        "main.py",
    )
    assert spec.staging is not None
    policy = spec.staging.policy
    assert (policy.type, policy.header, policy.header_value) == (
        "SingleHeader",
        "aws-cf-cd-canary",
        "1",
    )
    staged = spec.staging.distribution
    assert staged.is_staging and staged.name == "aws_cloudfront_distribution.staging"
    assert staged.default_behavior.functions[0].function.name == "docs-headers"
    assert spec.skipped == ()


def test_plan_staging_distribution_can_be_picked(tmp_path: Path) -> None:
    spec = load(PLAN, tmp_path, distribution="aws_cloudfront_distribution.staging")
    assert spec.is_staging and spec.staging is None


def test_errors_use_terraform_names_and_lines(tmp_path: Path) -> None:
    text = STATE.read_text().replace(
        '"viewer_protocol_policy": "https-only",\n'
        '                    "grpc_config": []\n'
        "                  },\n                  {\n"
        '                    "path_pattern": "/search"',
        '"viewer_protocol_policy": "http-only",\n'
        '                    "grpc_config": []\n'
        "                  },\n                  {\n"
        '                    "path_pattern": "/search"',
        1,
    )
    bad = tmp_path / "state.json"
    bad.write_text(text)
    (tmp_path / "build").symlink_to(TF / "build")
    (tmp_path / "lambda").symlink_to(TF / "lambda")
    with pytest.raises(el.DefinitionError) as info:
        load(bad, tmp_path)
    err = info.value
    assert err.where == (
        "module.cdn.aws_cloudfront_distribution.this[0] "
        "ordered_cache_behavior[0].viewer_protocol_policy"
    )
    assert err.line == line_with(bad, '"viewer_protocol_policy": "http-only"')


def test_a_missing_referenced_resource(tmp_path: Path) -> None:
    data = json.loads(PLAN.read_text())
    data["prior_state"]["values"]["root_module"]["resources"].pop()  # the cache policy data
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, indent=1))
    (tmp_path / "lambda").symlink_to(TF / "lambda")
    with pytest.raises(
        el.DefinitionError,
        match=r"data\.aws_cloudfront_cache_policy\.optimized is "
        r"referenced but not in the terraform show",
    ):
        load(path, tmp_path)


def test_unresolved_lambda_in_a_plan_names_its_address(tmp_path: Path) -> None:
    data = json.loads(PLAN.read_text())
    data["prior_state"]["values"]["root_module"]["resources"].pop(0)  # the archive_file
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, indent=1))
    with pytest.raises(el.DefinitionError) as info:
        load(path, tmp_path)
    assert "--function aws_lambda_function.headers=PATH[:export]" in info.value.unresolved[0]
    assert "build/headers.zip is not beside the JSON file" in info.value.unresolved[0]


def test_several_distributions_without_a_choice(tmp_path: Path) -> None:
    data = json.loads(PLAN.read_text())
    for res in data["planned_values"]["root_module"]["resources"]:
        if res["address"] == "aws_cloudfront_distribution.staging":
            res["values"]["staging"] = False
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    with pytest.raises(
        el.DefinitionError, match=r"2 distributions .*pick one with --distribution ADDRESS"
    ):
        load(path, tmp_path)
