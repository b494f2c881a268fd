"""CloudFormation, SAM and CDK templates (cloudfront-distribution-facts.md §11.1-§11.4)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.definitions import DistributionSpec
from tests.definitions_helpers import (
    CDK_OUT,
    CDK_TEMPLATE,
    DEFS,
    SITE_ASSET,
    line_with,
    load,
    template,
)

ROOT_EXAMPLES = DEFS.parent.parent.parent / "examples" / "cdk"


@pytest.fixture
def cdk(tmp_path: Path) -> DistributionSpec:
    return load(CDK_OUT, tmp_path)


# -- the CDK-synthesised site (the "done when" template) ---------------------------
def test_cdk_template_is_read_as_cdk_from_the_folder_or_the_file(
    cdk: DistributionSpec, tmp_path: Path
) -> None:
    assert cdk.format == "cdk" and cdk.name == "Dist3E5D5B41"
    assert load(CDK_TEMPLATE, tmp_path).to_dict() == cdk.to_dict()


def test_cdk_behaviours_are_in_evaluation_order_with_the_default_last(
    cdk: DistributionSpec,
) -> None:
    assert [b.path_pattern for b in cdk.behaviors] == ["/api/*", "images/*", "*.css", "*"]
    assert [b.is_default for b in cdk.behaviors] == [False, False, False, True]


@pytest.mark.parametrize(
    ("uri", "pattern"),
    [
        ("/api/users?id=1", "/api/*"),
        ("/images/logo.svg", "images/*"),
        ("/site.css", "*.css"),
        ("/images/a.css", "images/*"),
        ("/docs/", "*"),
        ("/", "*"),
        ("/API/users", "*"),
    ],
    ids=lambda v: str(v),
)
def test_cdk_behavior_for_a_viewer_uri(cdk: DistributionSpec, uri: str, pattern: str) -> None:
    assert cdk.behavior_for(uri).path_pattern == pattern


CDK_FIELDS: list[tuple[str, Any, Any]] = [
    ("§11.1 default root object", lambda s: s.default_root_object, "index.html"),
    ("§11.1 http version", lambda s: s.http_version, "http2"),
    ("§11.1 IPv6", lambda s: s.ipv6, True),
    (
        "§2 origin group members",
        lambda s: s.origin_groups[0].members,
        ("SiteStackDistOrigin2ApiPrimary6E7F", "SiteStackDistOrigin3ApiBackup8A9B"),
    ),
    ("§2 failover codes", lambda s: s.origin_groups[0].failover_status_codes, (500, 502, 503, 504)),
    (
        "§3 /api/* targets the group",
        lambda s: s.target(s.behaviors[0].target_origin_id).id,
        "SiteStackDistOriginGroup1C2D3E4F",
    ),
    (
        "§3.2 /api/* allows all methods",
        lambda s: s.behaviors[0].allowed_methods,
        ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"),
    ),
    ("§3.2 default cached methods", lambda s: s.behaviors[1].cached_methods, ("GET", "HEAD")),
    (
        "§3.3 viewer protocol policies",
        lambda s: [b.viewer_protocol_policy for b in s.behaviors],
        ["https-only", "redirect-to-https", "redirect-to-https", "redirect-to-https"],
    ),
    (
        "§4.3 managed cache policy by id",
        lambda s: s.behaviors[0].cache_policy.name,
        "CachingDisabled",
    ),
    (
        "§4.4 managed origin request policy",
        lambda s: s.behaviors[0].origin_request_policy.name,
        "AllViewerExceptHostHeader",
    ),
    (
        "§11.2 custom cache policy resource",
        lambda s: (
            s.behaviors[1].cache_policy.name,
            s.behaviors[1].cache_policy.min_ttl,
            s.behaviors[1].cache_policy.default_ttl,
            str(s.behaviors[1].cache_policy.query_strings),
        ),
        ("SiteStackImagesCachePolicy", 60, 604800, "whitelist [w, h]"),
    ),
    (
        "§5.5 managed response headers policy",
        lambda s: s.behaviors[2].response_headers_policy.name,
        "SecurityHeadersPolicy",
    ),
    (
        "§5.2 custom security headers",
        lambda s: {
            (h.name, h.value, h.override)
            for h in s.behaviors[3].response_headers_policy.security_headers
        },
        {
            ("X-Content-Type-Options", "nosniff", True),
            ("X-Frame-Options", "DENY", True),
            ("Referrer-Policy", "strict-origin-when-cross-origin", True),
            ("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload", True),
        },
    ),
    (
        "§5.3 custom and removed headers",
        lambda s: (
            s.behaviors[3].response_headers_policy.custom_headers[0].name,
            s.behaviors[3].response_headers_policy.remove_headers,
        ),
        ("X-Served-By", ("Server",)),
    ),
    (
        "§5.4 server timing",
        lambda s: s.behaviors[3].response_headers_policy.server_timing,
        el.definitions.ServerTiming(True, 10),
    ),
    (
        "§6.1 custom error responses",
        lambda s: [
            (e.error_code, e.response_page_path, e.response_code, e.error_caching_min_ttl)
            for e in s.custom_error_responses
        ],
        [(403, "/404.html", 404, 60), (404, "/404.html", 404, 60)],
    ),
    (
        "§1.2 origin path and custom header",
        lambda s: (
            s.origin("SiteStackDistOrigin2ApiPrimary6E7F").origin_path,
            s.origin("SiteStackDistOrigin2ApiPrimary6E7F").custom_headers,
        ),
        ("/v1", (("X-Origin-Verify", "edge-site"),)),
    ),
    (
        "§1.2 timeouts and attempts",
        lambda s: (
            s.origin("SiteStackDistOrigin2ApiPrimary6E7F").read_timeout,
            s.origin("SiteStackDistOrigin3ApiBackup8A9B").connection_attempts,
            s.origin("SiteStackDistOrigin3ApiBackup8A9B").read_timeout,
        ),
        (10, 1, 30),
    ),
    (
        "§1.1 S3 origin kind and domain",
        lambda s: (s.origins[0].kind, s.origins[0].domain_name),
        ("s3", "sitebucket397a1860.s3.us-east-1.amazonaws.com"),
    ),
]


@pytest.mark.parametrize(
    ("getter", "expected"), [f[1:] for f in CDK_FIELDS], ids=[f[0] for f in CDK_FIELDS]
)
def test_cdk_fields(cdk: DistributionSpec, getter: Any, expected: Any) -> None:
    assert getter(cdk) == expected


def test_cdk_lambda_edge_functions_resolve_to_their_asset_folders(cdk: DistributionSpec) -> None:
    default, api = cdk.default_behavior, cdk.behaviors[0]
    vreq = default.function("viewer-request").function
    assert (vreq.language, vreq.runtime, vreq.export, vreq.code_from) == (
        "node",
        "nodejs20.x",
        "handler",
        "cdk asset",
    )
    assert Path(vreq.path).name == "index.mjs" and Path(vreq.code_root).name.startswith("asset.")
    oresp = default.function("origin-response").function
    assert (
        oresp.language,
        Path(oresp.path).name,
        oresp.export,
        oresp.memory_mb,
        oresp.timeout_s,
    ) == ("python", "index.py", "handler", 128, 5.0)
    oreq = api.function("origin-request")
    assert oreq.include_body and oreq.function.export == "lambda_handler"
    assert Path(oreq.function.path).name == "app.py" and oreq.function.memory_mb == 512
    assert oreq.function.arn.startswith("arn:aws:lambda:us-east-1:123456789012:function:ApiFn")
    assert [f.event_type for f in default.functions] == ["viewer-request", "origin-response"]


def test_cdk_cloudfront_function_code_is_written_to_the_cache(
    cdk: DistributionSpec, tmp_path: Path
) -> None:
    cff = cdk.behaviors[1].function("viewer-request")
    assert cff.kind == "cloudfront-function" and cff.function.runtime == "cloudfront-js-2.0"
    path = Path(cff.function.path)
    assert path.is_relative_to(tmp_path / "cache") and path.suffix == ".js"
    assert "toLowerCase" in path.read_text(encoding="utf-8")


def test_cdk_bucket_deployment_serves_the_site_asset(cdk: DistributionSpec) -> None:
    local = cdk.origins[0].local
    assert (local.kind, Path(local.path or ""), local.mapped_by) == (
        "folder",
        SITE_ASSET,
        "cdk bucket deployment",
    )
    assert cdk.origins[1].local.kind == "echo" and cdk.origins[1].local.mapped_by == "default"


def test_cdk_skipped_resources_and_notes(cdk: DistributionSpec) -> None:
    skipped = {s.name: s.type for s in cdk.skipped}
    assert skipped["SiteOAC4A1F2B7E"] == "AWS::CloudFront::OriginAccessControl"
    assert skipped["CDKMetadata"] == "AWS::CDK::Metadata"
    assert "Dist3E5D5B41" not in skipped and "RewriteFn7F0D1E22" not in skipped
    assert any("DeploySiteCustomResource7C1F0D22" in n for n in cdk.notes)


def test_cdk_python_handlers_run_unmodified(cdk: DistributionSpec) -> None:
    fn = cdk.behaviors[0].function("origin-request").function
    event = el.build_event(
        "origin-request", uri="/api/users", headers={"CloudFront-Viewer-Country": "FR"}
    )
    result = el.invoke(fn.handler, event)
    assert result.outcome == "request", result.error
    assert result.request["uri"] == "/users"
    assert result.request["headers"]["x-client-country"][0]["value"] == "FR"


@pytest.mark.node
def test_cdk_node_handler_runs_unmodified(cdk: DistributionSpec) -> None:
    fn = cdk.default_behavior.function("viewer-request").function
    result = el.invoke(fn.handler, el.build_event("viewer-request", uri="/docs/"))
    assert result.outcome == "request", result.error
    assert result.request["uri"] == "/docs/index.html"
    el.close_handlers()


def test_the_examples_copy_matches_the_fixture() -> None:
    def tree(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and ".edgelab" not in p.parts
        }

    assert tree(ROOT_EXAMPLES / "cdk.out") == tree(CDK_OUT)


def test_a_zipped_cdk_asset_is_unpacked_into_the_cache(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    shutil.copytree(CDK_OUT, out)
    asset = out / "asset.89703802c3e0b7141a53447ebd2a621226586703d0ebbacab80ba8143ab3819a"
    shutil.make_archive(str(asset), "zip", asset)
    shutil.rmtree(asset)
    text = (out / "SiteStack.template.json").read_text(encoding="utf-8")
    (out / "SiteStack.template.json").write_text(
        text.replace(
            '"asset.89703802c3e0b7141a53447ebd2a621226586703d0ebbacab80ba8143ab3819a"',
            '"asset.89703802c3e0b7141a53447ebd2a621226586703d0ebbacab80ba8143ab3819a.zip"',
        ),
        encoding="utf-8",
    )
    spec = load(out, tmp_path)
    fn = spec.behaviors[0].function("origin-request").function
    assert Path(fn.path).is_relative_to(tmp_path / "cache" / "unzipped")
    assert Path(fn.path).read_text(encoding="utf-8").startswith('"""Origin request for /api/*')


# -- SAM ------------------------------------------------------------------------------------
SAM = DEFS / "sam" / "template.yaml"


def test_sam_auto_publish_alias_versions_lead_to_the_code(tmp_path: Path) -> None:
    spec = load(SAM, tmp_path)
    assert spec.format == "sam"
    auth = spec.default_behavior.function("viewer-request").function
    assert (auth.name, auth.runtime, Path(auth.path).name, auth.code_from) == (
        "AuthFunction",
        "python3.12",
        "app.py",
        "code uri",
    )  # Runtime from Globals
    images = spec.behaviors[0].function("origin-response").function
    assert (images.name, images.runtime, images.language, images.timeout_s) == (
        "template-images-prod",
        "nodejs20.x",
        "node",
        30.0,
    )
    assert images.arn.endswith(":function:template-images-prod:1")


SAM_FIELDS: list[tuple[str, Any, Any]] = [
    ("§11.1 string booleans", lambda s: s.enabled, True),
    ("§11.3 Fn::If with a condition", lambda s: s.price_class, "PriceClass_All"),
    ("§11.3 Fn::Sub with a parameter", lambda s: s.comment, "private site (prod)"),
    (
        "§4.6 legacy: query string keys",
        lambda s: str(s.behaviors[0].cache_policy.query_strings),
        "whitelist [w, h]",
    ),
    (
        "§4.6 legacy: all query strings still reach the origin",
        lambda s: str(s.behaviors[0].origin_request_policy.query_strings),
        "all",
    ),
    (
        "§4.6 legacy: CloudFront header in key and forwarded",
        lambda s: (
            str(s.behaviors[0].cache_policy.headers),
            s.behaviors[0].origin_request_policy.cloudfront_headers,
        ),
        ("whitelist [CloudFront-Is-Mobile-Viewer]", ("CloudFront-Is-Mobile-Viewer",)),
    ),
    (
        "§4.6 legacy: MinTTL, default TTLs",
        lambda s: (
            s.behaviors[0].cache_policy.min_ttl,
            s.behaviors[0].cache_policy.default_ttl,
            s.behaviors[0].cache_policy.max_ttl,
        ),
        (60, 86400, 31536000),
    ),
    (
        "§4.6 legacy: whitelisted cookies",
        lambda s: str(s.default_behavior.cache_policy.cookies),
        "whitelist [session]",
    ),
    (
        "§4.6 legacy: QueryString false",
        lambda s: (
            str(s.default_behavior.cache_policy.query_strings),
            str(s.default_behavior.origin_request_policy.query_strings),
        ),
        ("none", "none"),
    ),
    (
        "§4.6 legacy flag kept",
        lambda s: (s.default_behavior.cache_policy.legacy, s.default_behavior.legacy.query_string),
        (True, False),
    ),
    ("§1.2 string port", lambda s: s.origin("Images").http_port, 80),
]


@pytest.mark.parametrize(
    ("getter", "expected"), [f[1:] for f in SAM_FIELDS], ids=[f[0] for f in SAM_FIELDS]
)
def test_sam_fields(tmp_path: Path, getter: Any, expected: Any) -> None:
    assert getter(load(SAM, tmp_path)) == expected


def test_legacy_compress_caches_gzip_only(tmp_path: Path) -> None:
    # DEFINITION_DECISIONS "legacy settings and compression"
    cp = load(SAM, tmp_path).default_behavior.cache_policy
    assert (cp.gzip, cp.brotli) == (True, False)


def test_sam_parameters_from_the_command_line(tmp_path: Path) -> None:
    spec = load(SAM, tmp_path, parameters={"Stage": "dev", "AWS::StackName": "shop"})
    assert spec.price_class == "PriceClass_100" and spec.comment == "private site (dev)"
    assert spec.behaviors[0].function("origin-response").function.name == "shop-images-dev"


def test_sam_parameter_outside_allowed_values(tmp_path: Path) -> None:
    with pytest.raises(
        el.DefinitionError,
        match=r"Stage = 'test' is not one of its "
        r"AllowedValues \['dev', 'prod'\]",
    ):
        load(SAM, tmp_path, parameters={"Stage": "test"})


# -- hand-written CloudFormation with every intrinsic ----------------------------------------
SITE = DEFS / "cloudformation" / "site.yaml"


@pytest.fixture
def site(tmp_path: Path) -> DistributionSpec:
    return load(SITE, tmp_path)


SITE_FIELDS: list[tuple[str, Any, Any]] = [
    (
        "§11.3 Fn::Sub list form + Fn::Select on a list parameter",
        lambda s: s.comment,
        "shop prod in eu-west-1",
    ),
    ("§11.3 Fn::If picks a list", lambda s: s.aliases, ("shop.example", "www.shop.example")),
    (
        "§11.3 Fn::Join + AWS::StackName + Fn::ImportValue placeholder",
        lambda s: s.origin("web").domain_name,
        "site-web.import:shared-web-domain",
    ),
    ("§11.3 Fn::And of conditions", lambda s: s.origin("web").origin_shield_region, "us-east-1"),
    ("§11.3 Fn::FindInMap", lambda s: s.behaviors[0].cache_policy.default_ttl, 60),
    (
        "§11.3 Fn::Select + Fn::Split",
        lambda s: s.behaviors[0].response_headers_policy.custom_headers[0].value,
        "api",
    ),
    (
        "§11.3 Fn::Join for a function name",
        lambda s: s.default_behavior.functions[0].function.name,
        "shop-headers-prod",
    ),
    (
        "§4.1 allExcept cookies",
        lambda s: str(s.behaviors[0].cache_policy.cookies),
        "allExcept [tracking]",
    ),
    (
        "§4.1 brotli off",
        lambda s: (s.behaviors[0].cache_policy.gzip, s.behaviors[0].cache_policy.brotli),
        (True, False),
    ),
    (
        "§4.2 CloudFront headers split out",
        lambda s: (
            str(s.behaviors[0].origin_request_policy.headers),
            s.behaviors[0].origin_request_policy.cloudfront_headers,
        ),
        ("allViewer", ("CloudFront-Viewer-City", "CloudFront-Is-Mobile-Viewer")),
    ),
    (
        "§5.1 CORS",
        lambda s: s.behaviors[0].response_headers_policy.cors,
        el.definitions.CorsConfig(
            allow_origins=("https://shop.example", "https://*.shop.example"),
            allow_methods=("GET", "POST", "OPTIONS"),
            allow_headers=("Content-Type", "Authorization"),
            expose_headers=("X-Request-Id",),
            allow_credentials=True,
            max_age_sec=600,
            origin_override=False,
        ),
    ),
    (
        "§5.2 CSP and XSS",
        lambda s: [
            (h.name, h.value) for h in s.behaviors[0].response_headers_policy.security_headers
        ],
        [("Content-Security-Policy", "default-src 'self'"), ("X-XSS-Protection", "1; mode=block")],
    ),
    ("§3.2 cached OPTIONS", lambda s: s.behaviors[0].cached_methods, ("GET", "HEAD", "OPTIONS")),
    (
        "§4.3 managed policy by its API name",
        lambda s: s.default_behavior.cache_policy.name,
        "CachingOptimized",
    ),
    (
        "§1.2 origin settings",
        lambda s: (
            s.origin("api").origin_path,
            s.origin("api").connection_attempts,
            s.origin("api").connection_timeout,
            s.origin("api").read_timeout,
            s.origin("api").https_port,
            s.origin("web").keepalive_timeout,
            s.origin("web").ssl_protocols,
        ),
        ("/v2", 2, 5, 60, 8443, 30, ("TLSv1.2",)),
    ),
    ("§6.1 ErrorCachingMinTTL default", lambda s: s.error_response(503).error_caching_min_ttl, 10),
    (
        "§6.1 error without a page",
        lambda s: (
            s.error_response(404).response_page_path,
            s.error_response(404).error_caching_min_ttl,
        ),
        (None, 5),
    ),
    ("§11.1 geo restriction", lambda s: s.geo_restriction, ("blacklist", ("KP",))),
    (
        "§9 staging weight and stickiness",
        lambda s: (
            s.staging.policy.type,
            s.staging.policy.weight,
            s.staging.policy.session_stickiness,
        ),
        ("SingleWeight", 0.05, el.definitions.SessionStickiness(300, 600)),
    ),
    (
        "§9 staging distribution",
        lambda s: (
            s.staging.distribution.name,
            s.staging.distribution.is_staging,
            s.staging.distribution.origin("web").domain_name,
        ),
        ("StagingDistribution", True, "staging-web.shop.example"),
    ),
    (
        "§9 the staging distribution is not skipped",
        lambda s: [x.name for x in s.skipped],
        ["EdgeRole"],
    ),
]


@pytest.mark.parametrize(
    ("getter", "expected"), [f[1:] for f in SITE_FIELDS], ids=[f[0] for f in SITE_FIELDS]
)
def test_cloudformation_fields(site: DistributionSpec, getter: Any, expected: Any) -> None:
    assert getter(site) == expected


def test_error_caching_min_ttl_defaults_to_10_seconds(site: DistributionSpec) -> None:
    # DEFINITION_DECISIONS "ErrorCachingMinTTL default"
    assert site.error_response(503).error_caching_min_ttl == 10


def test_inline_zipfile_code_is_written_as_index_files(
    site: DistributionSpec, tmp_path: Path
) -> None:
    py = site.default_behavior.function("origin-response").function
    js = site.behaviors[0].function("origin-request").function
    assert Path(py.path) == tmp_path / "cache" / "inline" / "HeaderFunction" / "index.py"
    assert Path(js.path) == tmp_path / "cache" / "inline" / "ApiAuthFunction" / "index.js"
    assert 'value: "prod"' in Path(js.path).read_text(encoding="utf-8")  # Fn::Sub applied
    assert (js.memory_mb, js.timeout_s, js.code_from) == (128, 5.0, "inline")
    result = el.invoke(py.handler, el.build_event("origin-response"))
    assert result.response["headers"]["x-frame-options"][0]["value"] == "DENY"


def test_inline_files_are_only_rewritten_when_their_content_changes(tmp_path: Path) -> None:
    first = load(SITE, tmp_path).default_behavior.functions[0].function
    stamp = Path(first.path).stat().st_mtime_ns
    again = load(SITE, tmp_path).default_behavior.functions[0].function
    assert Path(again.path).stat().st_mtime_ns == stamp


def test_cloudfront_function_with_key_value_store(site: DistributionSpec, tmp_path: Path) -> None:
    cff = site.behaviors[1].function("viewer-request").function
    assert cff.name == "shop-redirects-prod" and cff.key_value_store is not None
    assert cff.key_value_store.name == "shop-redirects" and cff.key_value_store.data_path is None
    assert any("--kvs RedirectsStore=FILE.json" in n for n in site.notes)
    data = tmp_path / "redirects.json"
    data.write_text('{"data": [{"key": "/a", "value": "/b"}]}', encoding="utf-8")
    mapped = load(SITE, tmp_path, key_value_stores={"RedirectsStore": str(data)})
    store = mapped.behaviors[1].function("viewer-request").function.key_value_store
    assert store is not None and store.data_path == str(data)


def test_pseudo_parameters_can_be_overridden(tmp_path: Path) -> None:
    spec = load(SITE, tmp_path, parameters={"AWS::Region": "eu-west-1", "Env": "dev"})
    assert spec.origin("web").origin_shield_region is None  # ProdInUsEast is false
    assert spec.aliases == ()  # AWS::NoValue removes the key
    assert spec.behaviors[0].cache_policy.default_ttl == 0  # FindInMap dev


def test_import_value_placeholder_comes_with_a_note(site: DistributionSpec) -> None:
    note = next(n for n in site.notes if "ImportValue" in n)
    assert note.startswith(
        f"{site.file}:{line_with(SITE, '!ImportValue shared-web-domain')}, "
        "Distribution Origins[0].DomainName"
    )


INTRINSICS = [
    ("§11.3 Ref parameter", "!Ref Env", "prod", {}),
    ("§11.3 Ref AWS::Region default", "!Ref AWS::Region", "us-east-1", {}),
    (
        "§11.3 Ref AWS::Region overridden",
        "!Ref AWS::Region",
        "eu-west-1",
        {"AWS::Region": "eu-west-1"},
    ),
    ("§11.3 Ref AWS::AccountId", "!Ref AWS::AccountId", "123456789012", {}),
    ("§11.3 Ref AWS::Partition", "!Ref AWS::Partition", "aws", {}),
    ("§11.3 Ref AWS::URLSuffix", "!Ref AWS::URLSuffix", "amazonaws.com", {}),
    ("§11.3 Ref AWS::StackName is the file stem", "!Ref AWS::StackName", "site", {}),
    ("§11.3 Fn::Sub string", '!Sub "${Env}-${AWS::Region}"', "prod-us-east-1", {}),
    ("§11.3 Fn::Sub with variables", '!Sub ["${A}-${Env}", {A: x}]', "x-prod", {}),
    ("§11.3 Fn::Sub literal ${!}", '!Sub "${!Literal}"', "${Literal}", {}),
    (
        "§11.3 Fn::Sub resource attribute",
        '!Sub "${Bucket.RegionalDomainName}"',
        "my-bucket.s3.us-east-1.amazonaws.com",
        {},
    ),
    ("§11.3 Fn::Join", '!Join [",", [a, b, c]]', "a,b,c", {}),
    ("§11.3 Fn::Select", "!Select [1, [a, b, c]]", "b", {}),
    ("§11.3 Fn::Split", '!Select [2, !Split ["/", "x/y/z"]]', "z", {}),
    ("§11.3 Fn::If true", "!If [IsProd, yes-prod, no-prod]", "yes-prod", {}),
    ("§11.3 Fn::If false", "!If [IsProd, yes-prod, no-prod]", "no-prod", {"Env": "dev"}),
    ("§11.3 Fn::Or / Fn::Not", "!If [DevOrNotUs, a, b]", "b", {}),
    ("§11.3 Fn::Or true", "!If [DevOrNotUs, a, b]", "a", {"AWS::Region": "eu-west-1"}),
    ("§11.3 Fn::FindInMap", "!FindInMap [Sizes, !Ref Env, small]", "10", {}),
    ("§11.3 Fn::Base64", "!Base64 abc", "YWJj", {}),
    ("§11.3 Fn::GetAZs", '!Join ["", !GetAZs ""]', "us-east-1aus-east-1bus-east-1c", {}),
    ("§11.3 Fn::GetAtt S3 bucket", "!GetAtt Bucket.DomainName", "my-bucket.s3.amazonaws.com", {}),
    ("§11.3 Fn::GetAtt distribution", "!GetAtt Dist.DomainName", "dist.cloudfront.net", {}),
    ("§11.3 Fn::GetAtt list form", "!GetAtt [Bucket, Arn]", "arn:aws:s3:::my-bucket", {}),
    ("§11.3 Fn::GetAtt skipped type: placeholder", "!GetAtt Role.Arn", "Role.Arn", {}),
    ("§11.3 Fn::ImportValue: placeholder", "!ImportValue shared-thing", "import:shared-thing", {}),
    ("§11.3 Ref a resource", "!Ref Role", "Role", {}),
    ("§11.3 Fn::ToJsonString", "!ToJsonString {a: 1}", '{"a":1}', {}),
]
INTRINSIC_HEAD = """\
Parameters:
  Env: {Type: String, Default: prod}
Mappings:
  Sizes:
    prod: {small: 10}
    dev: {small: 5}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsUsEast: !Equals [!Ref "AWS::Region", us-east-1]
  DevOrNotUs: !Or [!Not [!Condition IsProd], !Not [!Condition IsUsEast]]
"""
INTRINSIC_EXTRA = """\
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: my-bucket}
  Role:
    Type: AWS::IAM::Role
"""


@pytest.mark.parametrize(
    ("expr", "expected", "params"), [r[1:] for r in INTRINSICS], ids=[r[0] for r in INTRINSICS]
)
def test_intrinsic_functions(
    tmp_path: Path, expr: str, expected: str, params: dict[str, str]
) -> None:
    path = template(tmp_path, comment=expr, head=INTRINSIC_HEAD, extra=INTRINSIC_EXTRA)
    spec = load(path, tmp_path, parameters=params)
    assert spec.comment == expected
    if "placeholder" in INTRINSICS[[r[1] for r in INTRINSICS].index(expr)][0]:
        assert any(expected in n for n in spec.notes)


def test_json_long_form_intrinsics(tmp_path: Path) -> None:
    import json

    doc = {
        "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
        "Resources": {
            "Dist": {
                "Type": "AWS::CloudFront::Distribution",
                "Properties": {
                    "DistributionConfig": {
                        "Enabled": "true",
                        "Comment": {
                            "Fn::Join": [
                                "-",
                                [
                                    {"Ref": "Env"},
                                    {"Fn::Sub": "${AWS::Region}"},
                                    {"Fn::Select": ["0", ["a", "b"]]},
                                ],
                            ]
                        },
                        "Origins": [
                            {
                                "Id": "o",
                                "DomainName": {"Fn::GetAtt": "B.DomainName"},
                                "S3OriginConfig": {},
                            }
                        ],
                        "DefaultCacheBehavior": {
                            "TargetOriginId": "o",
                            "ViewerProtocolPolicy": "allow-all",
                            "CachePolicyId": "CachingDisabled",
                        },
                    }
                },
            },
            "B": {"Type": "AWS::S3::Bucket"},
        },
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    spec = load(path, tmp_path)
    assert spec.comment == "prod-us-east-1-a" and spec.format == "cloudformation"
    assert spec.origins[0].domain_name == "b.s3.amazonaws.com"


# -- errors name the file, the line and the logical id ---------------------------------------
ERRORS = [
    (
        "§3.1 invalid path pattern",
        """
        - PathPattern: /a b/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
     """,
        "PathPattern: /a b/*",
        "Dist CacheBehaviors[0].PathPattern",
        "character",
    ),
    (
        "§3 unknown target origin",
        """
        - PathPattern: /x/*
          TargetOriginId: nowhere
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
     """,
        "TargetOriginId: nowhere",
        "Dist CacheBehaviors[0].TargetOriginId",
        "neither an origin nor an origin group",
    ),
    (
        "§3.3 viewer protocol policy",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: http-only
          CachePolicyId: CachingOptimized
     """,
        "ViewerProtocolPolicy: http-only",
        "Dist CacheBehaviors[0].ViewerProtocolPolicy",
        "allow-all, redirect-to-https, https-only",
    ),
    (
        "§3.2 allowed methods set",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          AllowedMethods: [GET, HEAD, POST]
          CachePolicyId: CachingOptimized
     """,
        "AllowedMethods: [GET, HEAD, POST]",
        "Dist CacheBehaviors[0].AllowedMethods",
        "facts §3.2",
    ),
    (
        "§3.2 cached methods",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachedMethods: [GET, HEAD, OPTIONS]
          CachePolicyId: CachingOptimized
     """,
        "CachedMethods: [GET, HEAD, OPTIONS]",
        "Dist CacheBehaviors[0].CachedMethods",
        "CachedMethods must be",
    ),
    (
        "§4.3 unknown policy id",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: 11111111-2222-3333-4444-555555555555
     """,
        "CachePolicyId: 1111",
        "Dist CacheBehaviors[0].CachePolicyId",
        "unknown cache policy id '11111111-2222-3333-4444-555555555555'",
    ),
    (
        "§4.6 neither cache policy nor ForwardedValues",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
     """,
        "PathPattern: /x/*",
        "Dist CacheBehaviors[0]",
        "CachePolicyId or legacy",
    ),
    (
        "§4.6 cache policy and legacy TTL",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          MinTTL: 5
     """,
        "MinTTL: 5",
        "Dist CacheBehaviors[0].MinTTL",
        "has no MinTTL",
    ),
    (
        "CFF §6 CloudFront Function on an origin event",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          FunctionAssociations:
            - EventType: origin-request
              FunctionARN: !GetAtt Cff.FunctionARN
     """,
        "EventType: origin-request",
        "Dist CacheBehaviors[0].FunctionAssociations[0].EventType",
        "viewer-request or viewer-response only",
    ),
    (
        "CFF §6 CloudFront Function beside Lambda@Edge on viewer events",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          FunctionAssociations:
            - EventType: viewer-request
              FunctionARN: !GetAtt Cff.FunctionARN
          LambdaFunctionAssociations:
            - EventType: viewer-response
              LambdaFunctionARN: !Ref FnVersion
     """,
        "PathPattern: /x/*",
        "Dist CacheBehaviors[0]",
        "cannot be combined on the viewer events of one behaviour; got viewer-request a "
        "CloudFront Function, viewer-response a Lambda@Edge function",
    ),
    (
        "CFF §6 two functions on one event type",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          LambdaFunctionAssociations:
            - EventType: origin-request
              LambdaFunctionARN: !Ref FnVersion
            - EventType: origin-request  # again
              LambdaFunctionARN: !Ref FnVersion
     """,
        "# again",
        "Dist CacheBehaviors[0].LambdaFunctionAssociations[1].EventType",
        "at most one function per event type",
    ),
    (
        "L@E §5.4 Include Body on a response event",
        """
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          LambdaFunctionAssociations:
            - EventType: viewer-response
              IncludeBody: true
              LambdaFunctionARN: !Ref FnVersion
     """,
        "IncludeBody: true",
        "Dist CacheBehaviors[0].LambdaFunctionAssociations[0].IncludeBody",
        "viewer-request and origin-request only",
    ),
    (
        "§11.3 Ref to nothing",
        """
        - PathPattern: /x/*
          TargetOriginId: !Ref Nothing
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
     """,
        "TargetOriginId: !Ref Nothing",
        "Dist CacheBehaviors[0].TargetOriginId.Ref",
        "neither a parameter nor a resource",
    ),
]


@pytest.mark.parametrize(
    ("behaviors", "needle", "where", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors_name_file_line_and_logical_id(
    tmp_path: Path, behaviors: str, needle: str, where: str, message: str
) -> None:
    path = template(tmp_path, behaviors=behaviors)
    with pytest.raises(el.DefinitionError) as info:
        load(path, tmp_path)
    err = info.value
    line = line_with(path, needle)
    assert err.line == line, str(err)
    assert str(err).startswith(f"{err.file}:{line}, {where}: "), str(err)
    assert Path(err.file).name == "site.yaml"
    assert message in str(err)


def test_cloudfront_function_beside_lambda_edge_any_viewer_combination(tmp_path: Path) -> None:
    # DEFINITION_DECISIONS "CloudFront Function beside Lambda@Edge": both orders refused,
    # an origin-event Lambda@Edge function beside a viewer CloudFront Function accepted.
    for cff_event, lambda_event, ok in (
        ("viewer-response", "viewer-request", False),
        ("viewer-request", "origin-request", True),
    ):
        path = template(
            tmp_path,
            behaviors=f"""
            - PathPattern: /x/*
              TargetOriginId: web
              ViewerProtocolPolicy: allow-all
              CachePolicyId: CachingOptimized
              FunctionAssociations:
                - EventType: {cff_event}
                  FunctionARN: !GetAtt Cff.FunctionARN
              LambdaFunctionAssociations:
                - EventType: {lambda_event}
                  LambdaFunctionARN: !Ref FnVersion
            """,
        )
        if ok:
            spec = load(path, tmp_path)
            assert [a.kind for a in spec.behaviors[0].functions] == [
                "cloudfront-function",
                "lambda@edge",
            ]
        else:
            with pytest.raises(el.DefinitionError, match="cannot be combined"):
                load(path, tmp_path)


def test_unresolved_functions_are_listed_together_with_the_flags(tmp_path: Path) -> None:
    path = template(
        tmp_path,
        behaviors="""
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          LambdaFunctionAssociations:
            - EventType: origin-request
              LambdaFunctionARN: arn:aws:lambda:us-east-1:111122223333:function:elsewhere:4
            - EventType: viewer-request
              LambdaFunctionARN: !Ref S3Version
        """,
        extra="""\
  S3Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Code: {S3Bucket: my-code, S3Key: edge.zip}
  S3Version:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref S3Fn}
""",
    )
    with pytest.raises(el.DefinitionError) as info:
        load(path, tmp_path)
    err = info.value
    assert len(err.unresolved) == 2
    assert "--function elsewhere=PATH[:export]" in err.unresolved[0]
    assert "--function S3Fn=PATH[:export]" in err.unresolved[1]
    assert "its code is in S3 (s3://my-code/edge.zip)" in err.unresolved[1]
    assert "2 function associations cannot be found locally" in str(err)
    # mapping both (a folder with the Handler, and a file) resolves them
    code = tmp_path / "code"
    code.mkdir()
    (code / "index.js").write_text("exports.handler = async (e) => e.Records[0].cf.request;\n")
    (tmp_path / "other.py").write_text("def handler(event, context):\n    return None\n")
    spec = load(
        path, tmp_path, functions={"S3Fn": str(code), "elsewhere": str(tmp_path / "other.py")}
    )
    vreq = spec.behaviors[0].function("viewer-request").function
    oreq = spec.behaviors[0].function("origin-request").function
    assert (Path(vreq.path).name, vreq.language, vreq.code_from) == (
        "index.js",
        "node",
        "--function",
    )
    assert (Path(oreq.path).name, oreq.language) == ("other.py", "python")


def test_function_mapping_accepts_the_arn_or_the_version_logical_id(tmp_path: Path) -> None:
    path = template(
        tmp_path,
        behaviors="""
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          LambdaFunctionAssociations:
            - EventType: origin-request
              LambdaFunctionARN: arn:aws:lambda:us-east-1:111122223333:function:elsewhere:4
        """,
    )
    (tmp_path / "h.py").write_text("def handler(event, context):\n    return None\n")
    for key in (
        "arn:aws:lambda:us-east-1:111122223333:function:elsewhere:4",
        "arn:aws:lambda:us-east-1:111122223333:function:elsewhere",
    ):
        spec = load(path, tmp_path, functions={key: f"{tmp_path / 'h.py'}:handler"})
        assert spec.behaviors[0].functions[0].function.export == "handler"


def test_an_unqualified_function_reference_runs_with_a_note(tmp_path: Path) -> None:
    # DEFINITION_DECISIONS "function associated without a version"
    path = template(
        tmp_path,
        behaviors="""
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          LambdaFunctionAssociations:
            - EventType: origin-request
              LambdaFunctionARN: !GetAtt Fn.Arn
        """,
    )
    spec = load(path, tmp_path)
    assert spec.behaviors[0].functions[0].function.name == "Fn"
    assert any("without a published version" in n for n in spec.notes)


def test_several_distributions_need_distribution(tmp_path: Path) -> None:
    extra = """\
  Other:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Comment: other
        Origins:
          - {Id: o, DomainName: o.example, CustomOriginConfig: {OriginProtocolPolicy: https-only}}
        DefaultCacheBehavior:
          {TargetOriginId: o, ViewerProtocolPolicy: allow-all, CachePolicyId: CachingDisabled}
"""
    path = template(tmp_path, extra=extra)
    with pytest.raises(
        el.DefinitionError,
        match=r"2 distributions \(Dist, Other\); pick one "
        r"with --distribution LOGICAL_ID",
    ):
        load(path, tmp_path)
    assert load(path, tmp_path, distribution="Other").comment == "other"
    skipped = {s.name: s.reason for s in load(path, tmp_path, distribution="Other").skipped}
    assert "another distribution" in skipped["Dist"]
    with pytest.raises(
        el.DefinitionError,
        match="--distribution Nope: no AWS::CloudFront::"
        "Distribution with that logical id; the "
        "template has: Dist, Other",
    ):
        load(path, tmp_path, distribution="Nope")


def test_parameter_without_default_asks_for_it(tmp_path: Path) -> None:
    path = template(tmp_path, comment="!Ref Needed", head="Parameters:\n  Needed: {Type: String}\n")
    with pytest.raises(
        el.DefinitionError,
        match="parameter 'Needed' has no default; give it with --parameter Needed=VALUE",
    ):
        load(path, tmp_path)
    assert load(path, tmp_path, parameters={"Needed": "v"}).comment == "v"


STAGING_ERRORS = [
    (
        "§9 weight above 15 %",
        "Type: SingleWeight\n          SingleWeightConfig: {Weight: 0.2}",
        "at most 15 %",
    ),
    (
        "§9 header prefix",
        "Type: SingleHeader\n          SingleHeaderConfig: {Header: x-stage, Value: '1'}",
        "must start with aws-cf-cd-",
    ),
    (
        "§9 stickiness range",
        "Type: SingleWeight\n          SingleWeightConfig: {Weight: 0.1, "
        "SessionStickinessConfig: {IdleTTL: 100, MaximumTTL: 600}}",
        "300-3600",
    ),
    (
        "§9 idle above max",
        "Type: SingleWeight\n          SingleWeightConfig: {Weight: 0.1, "
        "SessionStickinessConfig: {IdleTTL: 900, MaximumTTL: 600}}",
        "must not exceed",
    ),
]


@pytest.mark.parametrize(
    ("traffic", "message"), [s[1:] for s in STAGING_ERRORS], ids=[s[0] for s in STAGING_ERRORS]
)
def test_continuous_deployment_policy_rules(tmp_path: Path, traffic: str, message: str) -> None:
    extra = f"""\
  Policy:
    Type: AWS::CloudFront::ContinuousDeploymentPolicy
    Properties:
      ContinuousDeploymentPolicyConfig:
        Enabled: true
        StagingDistributionDnsNames: [!GetAtt Staged.DomainName]
        TrafficConfig:
          {traffic}
  Staged:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Staging: true
        Origins:
          - Id: web
            DomainName: s.example
            CustomOriginConfig: {{OriginProtocolPolicy: https-only}}
        DefaultCacheBehavior:
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingDisabled
"""
    path = template(tmp_path, extra=extra)
    text = path.read_text().replace(
        "        Comment: plain\n",
        "        Comment: plain\n        ContinuousDeploymentPolicyId: !Ref Policy\n",
    )
    path.write_text(text)
    with pytest.raises(el.DefinitionError, match=message) as info:
        load(path, tmp_path)
    assert info.value.file.endswith("site.yaml") and info.value.line is not None


def test_http3_and_continuous_deployment_do_not_mix(tmp_path: Path) -> None:
    path = template(tmp_path)
    text = path.read_text().replace(
        "        Comment: plain\n",
        "        Comment: plain\n"
        "        HttpVersion: http2and3\n"
        "        ContinuousDeploymentPolicyId: anything\n",
    )
    path.write_text(text)
    with pytest.raises(
        el.DefinitionError, match="cannot be used on a distribution that supports HTTP/3"
    ) as info:
        load(path, tmp_path)
    assert info.value.line == line_with(path, "HttpVersion: http2and3")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("Resources:\n  A:\n    Type: [unclosed\n  B: 1\n", encoding="utf-8")
    with pytest.raises(el.DefinitionError, match="not valid YAML") as info:
        load(path, tmp_path)
    assert info.value.line is not None and info.value.file.endswith("bad.yaml")


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "Resources": {\n    "A": 1,\n  }\n}\n', encoding="utf-8")
    with pytest.raises(el.DefinitionError, match="not valid JSON") as info:
        load(path, tmp_path)
    assert info.value.line == 4


def test_a_template_without_a_distribution(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n", encoding="utf-8")
    with pytest.raises(el.DefinitionError, match="no AWS::CloudFront::Distribution"):
        load(path, tmp_path)


def test_cdk_cross_region_edge_function_is_followed_into_the_edge_stack(
    tmp_path: Path,
) -> None:
    """CDK's EdgeFunction in a stack outside us-east-1 (facts §11.4): the association reads
    an SSM parameter that the edge stack's template writes."""
    import json

    out = tmp_path / "cdk.out"
    (out / "asset.abc").mkdir(parents=True)
    (out / "asset.abc" / "index.js").write_text(
        "exports.handler = async (e) => e.Records[0].cf.request;\n"
    )
    param = "/cdk/EdgeFunctionArn/eu-west-1/Site/Edge"
    main = {
        "Resources": {
            "EdgeArnReader1A2B": {
                "Type": "Custom::CrossRegionStringParameterReader",
                "Properties": {
                    "Region": "us-east-1",
                    "ParameterName": param,
                    "RefreshToken": "EdgeCurrentVersion1234",
                },
            },
            "Dist": {
                "Type": "AWS::CloudFront::Distribution",
                "Properties": {
                    "DistributionConfig": {
                        "Enabled": True,
                        "Origins": [
                            {
                                "Id": "o",
                                "DomainName": "o.example",
                                "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"},
                            }
                        ],
                        "DefaultCacheBehavior": {
                            "TargetOriginId": "o",
                            "ViewerProtocolPolicy": "allow-all",
                            "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                            "LambdaFunctionAssociations": [
                                {
                                    "EventType": "origin-request",
                                    "LambdaFunctionARN": {
                                        "Fn::GetAtt": ["EdgeArnReader1A2B", "FunctionArn"]
                                    },
                                }
                            ],
                        },
                    }
                },
            },
        }
    }
    edge = {
        "Resources": {
            "Edge": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "nodejs20.x",
                    "Handler": "index.handler",
                    "Code": {"S3Bucket": "b", "S3Key": "abc.zip"},
                },
                "Metadata": {"aws:cdk:path": "edge/Edge/Resource", "aws:asset:path": "asset.abc"},
            },
            "EdgeCurrentVersion1234": {
                "Type": "AWS::Lambda::Version",
                "Properties": {"FunctionName": {"Ref": "Edge"}},
            },
            "EdgeParameter": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": param,
                    "Type": "String",
                    "Value": {"Ref": "EdgeCurrentVersion1234"},
                },
            },
        }
    }
    (out / "Site.template.json").write_text(json.dumps(main, indent=1))
    (out / "edge-lambda-stack-c8abc.template.json").write_text(json.dumps(edge, indent=1))
    spec = load(out, tmp_path)
    fn = spec.default_behavior.function("origin-request").function
    assert (fn.name, fn.code_from, Path(fn.path).name) == ("Edge", "cdk asset", "index.js")
    assert any("edge-lambda-stack-c8abc.template.json" in n for n in spec.notes)
    (out / "edge-lambda-stack-c8abc.template.json").unlink()
    with pytest.raises(el.DefinitionError, match="no template beside this one writes it"):
        load(out, tmp_path)
