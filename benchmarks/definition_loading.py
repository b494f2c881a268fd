"""Reading a distribution definition at CloudFront's quotas: time per load.

    uv run python benchmarks/definition_loading.py [--repeat 5]

Builds a CloudFormation template with 75 cache behaviours, 100 origins, 10 origin groups
and 20 inline Lambda@Edge functions (CloudFront's default quotas, facts §1.5), writes it
as JSON and as YAML, and times ``el.load_definition`` (best of ``--repeat``) against
the plain parsers (``json.loads``, ``yaml.safe_load`` with the C loader when present) on
the same text: the ratio is what line tracking, intrinsics, validation and code
resolution cost on top of parsing.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any


def template() -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for i in range(20):
        resources[f"Fn{i}"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": f"def handler(event, context):\n    return {i}\n"},
            },
        }
        resources[f"Fn{i}Version"] = {
            "Type": "AWS::Lambda::Version",
            "Properties": {"FunctionName": {"Ref": f"Fn{i}"}},
        }
    origins = [
        {
            "Id": f"o{i}",
            "DomainName": {"Fn::Sub": f"o{i}.${{AWS::Region}}.example"},
            "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"},
        }
        for i in range(100)
    ]
    groups = [
        {
            "Id": f"g{i}",
            "FailoverCriteria": {"StatusCodes": {"Quantity": 1, "Items": [503]}},
            "Members": {
                "Quantity": 2,
                "Items": [{"OriginId": f"o{2 * i}"}, {"OriginId": f"o{2 * i + 1}"}],
            },
        }
        for i in range(10)
    ]
    behaviors = []
    for i in range(74):
        b: dict[str, Any] = {
            "PathPattern": f"/p{i}/*",
            "TargetOriginId": f"g{i % 10}",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        }
        if i < 20:
            b["LambdaFunctionAssociations"] = [
                {"EventType": "origin-request", "LambdaFunctionARN": {"Ref": f"Fn{i}Version"}}
            ]
        behaviors.append(b)
    resources["Dist"] = {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {
            "DistributionConfig": {
                "Enabled": True,
                "Origins": origins,
                "OriginGroups": {"Quantity": 10, "Items": groups},
                "CacheBehaviors": behaviors,
                "DefaultCacheBehavior": {
                    "TargetOriginId": "o0",
                    "ViewerProtocolPolicy": "allow-all",
                    "CachePolicyId": "CachingDisabled",
                },
            }
        },
    }
    return {"Resources": resources}


def best(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import yaml

    import edgelab as el

    data = template()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix, text, parse in (
            (".json", json.dumps(data, indent=1), json.loads),
            (".yaml", yaml.safe_dump(data, sort_keys=False), lambda t: yaml.load(t, Loader=loader)),
        ):
            path = Path(tmp) / f"site{suffix}"
            path.write_text(text)
            load = best(
                lambda p=path: el.load_definition(p, cache_dir=Path(tmp) / "c"), args.repeat
            )
            plain = best(lambda t=text, f=parse: f(t), args.repeat)
            spec = el.load_definition(path, cache_dir=Path(tmp) / "c")
            print(
                f"{suffix[1:]:>4}: {len(text) / 1024:,.0f} KB, {len(spec.behaviors)} behaviours,"
                f" {len(spec.origins)} origins: load_definition {load * 1000:,.1f} ms, plain "
                f"parse {plain * 1000:,.1f} ms, ratio {load / plain:,.1f}x"
            )


if __name__ == "__main__":
    main()
