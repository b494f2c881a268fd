"""Helpers for the tests/test_definitions_*.py files: load fixtures with the cache folder
in tmp_path (never inside the repository), and build small templates."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import edgelab as el
from tests.conftest import FIXTURES

DEFS = FIXTURES / "definitions"
CDK_OUT = DEFS / "cdk" / "cdk.out"
CDK_TEMPLATE = CDK_OUT / "SiteStack.template.json"
SITE_ASSET = CDK_OUT / "asset.4aed8e8df100509f6bce79cfabf4b272827280f4b97daa69ebd6058d8e8f5eca"

BASE_TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Code:
        ZipFile: |
          def handler(event, context):
              return event["Records"][0]["cf"]["request"]
  FnVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Cff:
    Type: AWS::CloudFront::Function
    Properties:
      Name: cff
      FunctionConfig: {Comment: c, Runtime: cloudfront-js-2.0}
      FunctionCode: "function handler(e) { return e.request; }"
  Dist:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Comment: COMMENT
        Origins:
          - Id: web
            DomainName: web.example
            CustomOriginConfig: {OriginProtocolPolicy: https-only}
        CacheBehaviors: BEHAVIORS
        DefaultCacheBehavior:
          TargetOriginId: web
          ViewerProtocolPolicy: allow-all
          CachePolicyId: CachingOptimized
EXTRA"""


def load(path: Path | str, tmp_path: Path, **kw: Any) -> el.DistributionSpec:
    return el.load_definition(path, cache_dir=tmp_path / "cache", **kw)


def template(
    tmp_path: Path,
    *,
    behaviors: str = "[]",
    comment: str = "plain",
    extra: str = "",
    head: str = "",
    name: str = "site.yaml",
) -> Path:
    """A small YAML template: BASE_TEMPLATE with its cache behaviours (YAML list items,
    written at column 0), the distribution's Comment and extra resources filled in."""
    text = BASE_TEMPLATE.replace("COMMENT", comment).replace("EXTRA", extra)
    if behaviors != "[]":
        text = text.replace(
            "BEHAVIORS", "\n" + textwrap.indent(textwrap.dedent(behaviors).strip("\n"), " " * 10)
        )
    else:
        text = text.replace("BEHAVIORS", "[]")
    path = tmp_path / name
    path.write_text(head + text, encoding="utf-8")
    return path


def line_with(path: Path, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")
