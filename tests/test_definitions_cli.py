"""``edgelab config show`` and ``edgelab config decisions``; the importers' decisions table."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.cli import main
from edgelab.commands import config as config_command
from edgelab.definitions import DEFINITION_DECISIONS, FORMATS
from tests.conftest import ROOT
from tests.definitions_helpers import CDK_OUT, DEFS, line_with, template


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_config_show_prints_behaviours_in_evaluation_order(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["config", "show", str(CDK_OUT), "--cache-dir", str(tmp_path)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Dist3E5D5B41 (cdk, ")
    table = lines[lines.index("behaviours (evaluation order, first match wins):") + 2 :][:4]
    assert [row.split()[1] for row in table] == ["/api/*", "images/*", "*.css", "*"]
    for text in (
        "CachingDisabled (managed)",
        "AllViewerExceptHostHeader (managed)",
        "origin-request: lambda@edge ApiFn5E6F7A88 (python3.12) +body",
        "viewer-request: cloudfront-function SiteStackImagesLowercase (cloudfront-js-2.0)",
        "origin groups:",
        "403: /404.html as 404, cached 60 s",
        "[cdk bucket deployment]",
        "skipped:",
        "notes:",
    ):
        assert text in out


def test_config_show_json_is_the_whole_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["config", "show", str(CDK_OUT), "--json", "--cache-dir", str(tmp_path)], capsys
    )
    data = json.loads(out)
    assert code == 0
    assert data == el.load_definition(CDK_OUT, cache_dir=tmp_path).to_dict()
    assert list(data) == [
        "name",
        "format",
        "file",
        "origins",
        "behaviors",
        "origin_groups",
        "custom_error_responses",
        "default_root_object",
        "id",
        "domain_name",
        "enabled",
        "comment",
        "aliases",
        "http_version",
        "ipv6",
        "price_class",
        "geo_restriction",
        "is_staging",
        "staging",
        "default_error_caching_ttl",
        "settings",
        "aws",
        "http",
        "skipped",
        "notes",
        "source",
    ]
    fn = data["behaviors"][0]["functions"][0]
    assert fn["event_type"] == "origin-request" and fn["function"]["kind"] == "lambda@edge"
    assert data["behaviors"][1]["cache_policy"]["query_strings"] == {
        "behavior": "whitelist",
        "names": ["w", "h"],
    }


def test_mapping_options_on_the_command_line_are_relative_to_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "auth.py").write_text(
        "def handler(event, context):\n    return None\n"
    )
    (tmp_path / "media.js").write_text("function handler(e) { return e.request; }\n")
    (tmp_path / "site").mkdir()
    api = DEFS / "api"
    code, out, err = run(
        [
            "config",
            "show",
            str(api / "get-distribution.json"),
            "--json",
            "--function",
            "render-auth=handlers/auth.py:handler",
            "--function",
            "media-rewrite=media.js",
            "--policy",
            f"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111={api / 'render-cache-policy.json'}",
            "--origin",
            "media-bucket=site",
            "--origin",
            "render-primary=http://127.0.0.1:9000",
            "--cache-dir",
            "cache",
        ],
        capsys,
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["behaviors"][0]["functions"][0]["function"]["path"] == str(
        tmp_path / "handlers" / "auth.py"
    )
    origins = {o["id"]: o["local"] for o in data["origins"]}
    assert (
        origins["media-bucket"]["kind"],
        origins["media-bucket"]["path"],
        origins["media-bucket"]["mapped_by"],
    ) == ("folder", str(tmp_path / "site"), "--origin")
    assert origins["render-primary"]["url"] == "http://127.0.0.1:9000"
    assert origins["render-backup"]["kind"] == "echo"


def test_map_file_and_parameters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        [
            "config",
            "show",
            str(DEFS / "api" / "get-distribution.json"),
            "--map",
            str(DEFS / "api" / "mappings.toml"),
            "--cache-dir",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 0, err and "render-by-size" in out
    code, out, err = run(
        [
            "config",
            "show",
            str(DEFS / "sam" / "template.yaml"),
            "--parameter",
            "Stage=dev",
            "--json",
            "--cache-dir",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)["price_class"] == "PriceClass_100"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--parameter", "novalue"], "must be NAME=VALUE"),
        (["--format", "xml"], "invalid choice"),
    ],
    ids=["parameter without =", "unknown format"],
)
def test_bad_options_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["config", "show", str(CDK_OUT), *args])
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_errors_exit_2_with_file_line_and_logical_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = template(
        tmp_path,
        behaviors="""
        - PathPattern: /bad path/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
        """,
    )
    code, out, err = run(["config", "show", str(path), "--cache-dir", str(tmp_path)], capsys)
    line = line_with(path, "PathPattern: /bad path/*")
    assert code == 2 and out == ""
    assert f"site.yaml:{line}, Dist CacheBehaviors[0].PathPattern: path pattern" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.yaml"], "the definition file 'nowhere.yaml' does not exist"),
        (
            [
                str(DEFS / "api" / "get-distribution.json"),
                "--origin",
                "media-bucket=/no/such/dir",
                "--map",
                str(DEFS / "api" / "mappings.toml"),
            ],
            "the folder does not exist",
        ),
        ([str(DEFS / "api" / "get-distribution.json"), "--map", "missing.toml"], "the map file"),
    ],
    ids=["missing file", "origin folder missing", "map file missing"],
)
def test_unusable_input_exits_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["config", "show", *args, "--cache-dir", str(tmp_path)], capsys)
    assert code == 2 and message in err


def test_unresolved_functions_exit_2_listing_every_flag(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "edgelab",
            "config",
            "show",
            str(DEFS / "api" / "get-distribution.json"),
            "--policy",
            f"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111={DEFS / 'api' / 'render-cache-policy.json'}",
            "--cache-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--function render-auth=PATH[:export]" in out.stderr
    assert "--function media-rewrite=PATH.js" in out.stderr


def test_config_decisions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["config", "decisions", "--json"], capsys)
    assert code == 0
    assert [r["topic"] for r in json.loads(out)] == [d.topic for d in DEFINITION_DECISIONS]
    code, out, _ = run(["config", "decisions"], capsys)
    assert "ErrorCachingMinTTL default" in out


def test_the_command_knows_the_same_formats() -> None:
    assert config_command.FORMATS == FORMATS


def test_readme_lists_every_definition_decision() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        d.topic
        for d in DEFINITION_DECISIONS
        if f"| {d.section} | {d.topic} | {d.decision} |" not in readme
    ]
    assert missing == []


PINNED = {
    "ErrorCachingMinTTL default": (
        "cloudformation",
        "test_error_caching_min_ttl_defaults_to_10_seconds",
    ),
    "CloudFront Function beside Lambda@Edge": (
        "cloudformation",
        "test_cloudfront_function_beside_lambda_edge_any_viewer_combination",
    ),
    "AllViewerExceptHostHeader CloudFront headers": (
        "managed",
        "test_all_viewer_except_host_gets_the_same_cloudfront_headers",
    ),
    "HostHeaderOnly cookies and query strings": (
        "managed",
        "test_host_header_only_forwards_no_cookies_or_query_strings",
    ),
    "CORS-With-Preflight Allow-Headers": (
        "managed",
        "test_cors_with_preflight_lists_no_allow_headers",
    ),
    "legacy settings and compression": (
        "cloudformation",
        "test_legacy_compress_caches_gzip_only",
    ),
    "Amplify Hosting managed cache policies": (
        "cli",
        "test_amplify_hosting_policy_ids_ask_for_their_settings",
    ),
    "response headers policy custom header names": (
        "cli",
        "test_a_policy_cannot_add_a_header_it_could_not_remove",
    ),
    "OriginKeepaliveTimeout upper bound": (
        "cli",
        "test_origin_keepalive_timeout_is_kept_as_written",
    ),
    "dot segments in the path": ("paths", "test_path_normalisation"),
    "function associated without a version": (
        "cloudformation",
        "test_an_unqualified_function_reference_runs_with_a_note",
    ),
}


@pytest.mark.parametrize("decision", DEFINITION_DECISIONS, ids=lambda d: d.topic)
def test_every_definition_decision_is_pinned_by_a_test(decision: Any) -> None:
    assert decision.topic in PINNED, f"no test pins the decision {decision.topic!r}"
    module, function = PINNED[decision.topic]
    test_module = importlib.import_module(f"tests.test_definitions_{module}")
    assert callable(getattr(test_module, function))


def test_amplify_hosting_policy_ids_ask_for_their_settings(tmp_path: Path) -> None:
    # DEFINITION_DECISIONS "Amplify Hosting managed cache policies"
    path = template(
        tmp_path,
        behaviors="""
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: 4d1d2f1d-3a71-49ad-9e08-7ea5d843a556
        """,
    )
    with pytest.raises(
        el.DefinitionError,
        match="managed cache policy Amplify-Default, which AWS lists for Amplify Hosting",
    ):
        el.load_definition(path, cache_dir=tmp_path / "c")


def test_a_policy_cannot_add_a_header_it_could_not_remove(tmp_path: Path) -> None:
    # DEFINITION_DECISIONS "response headers policy custom header names"
    extra = """\
  Rhp:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        Name: bad
        CustomHeadersConfig:
          Items:
            - {Header: X-Amz-Cf-Id, Value: mine, Override: true}
"""
    path = template(
        tmp_path,
        extra=extra,
        behaviors="""
        - PathPattern: /x/*
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
          ResponseHeadersPolicyId: !Ref Rhp
        """,
    )
    with pytest.raises(el.DefinitionError, match="cannot add the header 'X-Amz-Cf-Id'") as info:
        el.load_definition(path, cache_dir=tmp_path / "c")
    assert info.value.where == "Rhp ResponseHeadersPolicyConfig.CustomHeadersConfig.Items[0].Header"
    assert info.value.line == line_with(path, "Header: X-Amz-Cf-Id")


def test_origin_keepalive_timeout_is_kept_as_written(tmp_path: Path) -> None:
    # DEFINITION_DECISIONS "OriginKeepaliveTimeout upper bound"
    path = template(tmp_path)
    path.write_text(
        path.read_text().replace(
            "CustomOriginConfig: {OriginProtocolPolicy: https-only}",
            "CustomOriginConfig: {OriginProtocolPolicy: https-only, OriginKeepaliveTimeout: 240}",
        )
    )
    spec = el.load_definition(path, cache_dir=tmp_path / "c")
    assert spec.origin("web").keepalive_timeout == 240


def test_public_api_loads_definitions() -> None:
    assert el.load_definition is importlib.import_module("edgelab.definitions").load_definition
    assert issubclass(el.DefinitionError, el.ConfigError)
    assert "load_definition" in el.__all__ and "DistributionSpec" in el.__all__
