"""The CloudFront API's JSON: get-distribution / get-distribution-config output
(cloudfront-distribution-facts.md §11.5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.definitions import DistributionSpec, Selection
from tests.definitions_helpers import DEFS, line_with, load

API = DEFS / "api"
GET_DISTRIBUTION = API / "get-distribution.json"
MAP_FILE = API / "mappings.toml"


@pytest.fixture
def spec(tmp_path: Path) -> DistributionSpec:
    return load(GET_DISTRIBUTION, tmp_path, map_file=MAP_FILE)


API_FIELDS: list[tuple[str, Any, Any]] = [
    (
        "§11.5 Distribution.Id and DomainName",
        lambda s: (s.id, s.domain_name, s.name),
        ("E1EXAMPLE0DIST", "d2example0abcd.cloudfront.net", "E1EXAMPLE0DIST"),
    ),
    ("§11.5 Aliases {Quantity, Items}", lambda s: s.aliases, ("media.example.net",)),
    ("§11.5 IsIPV6Enabled", lambda s: s.ipv6, True),
    (
        "§11.5 Origins {Quantity, Items}",
        lambda s: [o.id for o in s.origins],
        ["media-bucket", "render-primary", "render-backup"],
    ),
    (
        "§11.5 Origin.CustomHeaders",
        lambda s: s.origin("render-primary").custom_headers,
        (("X-Origin-Token", "abc123"),),
    ),
    ("§11.5 OriginSslProtocols", lambda s: s.origin("render-primary").ssl_protocols, ("TLSv1.2",)),
    (
        "§1.2 timeouts",
        lambda s: (
            s.origin("render-primary").read_timeout,
            s.origin("render-primary").keepalive_timeout,
            s.origin("render-primary").connection_attempts,
            s.origin("render-primary").connection_timeout,
        ),
        (45, 10, 2, 4),
    ),
    ("§1.4 origin shield", lambda s: s.origin("render-primary").origin_shield_region, "eu-west-1"),
    (
        "§1.1 OAC",
        lambda s: (
            s.origin("media-bucket").kind,
            s.origin("media-bucket").origin_access_control_id,
        ),
        ("s3", "E3OACEXAMPLE1"),
    ),
    (
        "§2 origin group members and codes",
        lambda s: (s.origin_groups[0].members, s.origin_groups[0].failover_status_codes),
        (("render-primary", "render-backup"), (502, 503, 504)),
    ),
    (
        "§11.5 AllowedMethods with nested CachedMethods",
        lambda s: (s.default_behavior.allowed_methods, s.default_behavior.cached_methods),
        (("GET", "HEAD", "OPTIONS"), ("GET", "HEAD", "OPTIONS")),
    ),
    (
        "§4.3 managed cache policy by id",
        lambda s: s.default_behavior.cache_policy.name,
        "CachingOptimized",
    ),
    (
        "§4.4 managed origin request policy by id",
        lambda s: s.default_behavior.origin_request_policy.name,
        "CORS-S3Origin",
    ),
    (
        "§5.5 managed response headers policy by id",
        lambda s: s.default_behavior.response_headers_policy.name,
        "CORS-With-Preflight",
    ),
    (
        "§4.1 a custom policy from --policy",
        lambda s: (
            s.behaviors[0].cache_policy.name,
            s.behaviors[0].cache_policy.min_ttl,
            s.behaviors[0].cache_policy.headers,
            s.behaviors[0].cache_policy.query_strings,
        ),
        (
            "render-by-size",
            300,
            Selection("whitelist", ("Accept",)),
            Selection("whitelist", ("width", "format")),
        ),
    ),
    (
        "§4.6 legacy ForwardedValues",
        lambda s: (
            s.behaviors[1].cache_policy.legacy,
            s.behaviors[1].cache_policy.default_ttl,
            s.behaviors[1].cache_policy.headers,
            s.behaviors[1].cache_policy.query_strings,
            s.behaviors[1].origin_request_policy.query_strings,
        ),
        (True, 3600, Selection("whitelist", ("Origin",)), Selection("all"), Selection("all")),
    ),
    (
        "§6.1 ResponseCode is a string in the API",
        lambda s: [
            (e.error_code, e.response_page_path, e.response_code, e.error_caching_min_ttl)
            for e in s.custom_error_responses
        ],
        [(403, "/errors/denied.html", 403, 10), (502, None, None, 0)],
    ),
    ("§11.5 GeoRestriction Items", lambda s: s.geo_restriction, ("whitelist", ("FR", "DE"))),
    ("§11.5 Logging disabled is not a note", lambda s: [n for n in s.notes if "logging" in n], []),
    (
        "§11.5 functions from the map file",
        lambda s: (
            Path(s.behaviors[0].functions[0].function.path).name,
            s.default_behavior.functions[0].function.kind,
            s.default_behavior.functions[0].function.runtime,
        ),
        ("render_auth.py", "cloudfront-function", "cloudfront-js-2.0"),
    ),
]


@pytest.mark.parametrize(
    ("getter", "expected"), [f[1:] for f in API_FIELDS], ids=[f[0] for f in API_FIELDS]
)
def test_api_fields(spec: DistributionSpec, getter: Any, expected: Any) -> None:
    assert getter(spec) == expected


def test_get_distribution_config_output_reads_the_same(
    spec: DistributionSpec, tmp_path: Path
) -> None:
    data = json.loads(GET_DISTRIBUTION.read_text())
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {"ETag": "E1", "DistributionConfig": data["Distribution"]["DistributionConfig"]},
            indent=2,
        )
    )
    other = load(config, tmp_path, map_file=MAP_FILE)
    assert without_sources(other.to_dict()["behaviors"]) == without_sources(
        spec.to_dict()["behaviors"]
    )
    assert other.id == "" and other.name == "config"


def without_sources(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_sources(v) for k, v in value.items() if k != "source"}
    if isinstance(value, list):
        return [without_sources(v) for v in value]
    return value


def test_unknown_custom_policy_asks_for_its_json(tmp_path: Path) -> None:
    with pytest.raises(el.DefinitionError) as info:
        load(GET_DISTRIBUTION, tmp_path)
    err = info.value
    assert err.line == line_with(GET_DISTRIBUTION, '"CachePolicyId": "a1b2c3d4')
    assert "CacheBehaviors[0].CachePolicyId" in err.where
    assert "--policy a1b2c3d4-5678-90ab-cdef-EXAMPLE11111=FILE.json" in str(err)


def test_functions_named_only_by_arn_are_listed_with_their_flags(tmp_path: Path) -> None:
    policy = {"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111": str(API / "render-cache-policy.json")}
    with pytest.raises(el.DefinitionError) as info:
        load(GET_DISTRIBUTION, tmp_path, policies=policy)
    flags = [u.rpartition("map it with ")[2] for u in info.value.unresolved]
    assert flags == ["--function render-auth=PATH[:export]", "--function media-rewrite=PATH.js"]


def test_a_policy_file_of_the_wrong_kind(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"OriginRequestPolicy": {"Id": "x", "OriginRequestPolicyConfig": {}}}')
    with pytest.raises(el.DefinitionError, match="get-cache-policy"):
        load(
            GET_DISTRIBUTION,
            tmp_path,
            policies={"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111": str(wrong)},
        )


def test_json_that_is_no_definition(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(el.DefinitionError, match="not a definition edgelab reads"):
        load(path, tmp_path)
    with pytest.raises(el.DefinitionError, match="not CloudFront API JSON"):
        load(path, tmp_path, format="cloudfront-api")
