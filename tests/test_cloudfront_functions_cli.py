"""``edgelab invoke FILE.js --runtime cloudfront-js-*`` and ``edgelab rules --runtime``,
through a real subprocess: the JSON contract, ``--format aws-test-result``, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from tests.conftest import ROOT
from tests.helpers import write

RT1, RT2 = el.CFF_RUNTIMES
CONTRACT = {
    "trigger",
    "outcome",
    "request",
    "response",
    "status",
    "error",
    "violations",
    "duration_ms",
    "logs",
    "cold_start",
    "notes",
    "calls",  # the Lambda@Edge keys: a CloudFront Function makes no outbound calls, []
    "runtime",
    "compute_utilization",
    "origin_changes",
    "log_data",
}
EXAMPLES = ROOT / "examples" / "cloudfront-functions"
ROOMY = ["--set", "compute-budget=200"]


def edgelab(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgelab", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_json(out: subprocess.CompletedProcess[str]) -> Any:
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(el.build_cff_event(uri="/old/page", querystring="a=1")))
    return path


@pytest.mark.node
@pytest.mark.parametrize("runtime", el.CFF_RUNTIMES)
def test_invoke_prints_the_contract_with_runtime_keys(event_file: Path, runtime: str) -> None:
    data = one_json(
        edgelab(
            "invoke",
            str(EXAMPLES / "redirect.js"),
            "--runtime",
            runtime,
            "--event",
            str(event_file),
            *ROOMY,
        )
    )
    assert set(data) == CONTRACT and data["calls"] == []
    assert (data["outcome"], data["status"], data["runtime"]) == ("response", 301, runtime)
    assert data["response"]["headers"]["location"] == {"value": "/new/page?a=1"}
    assert isinstance(data["compute_utilization"], float) and data["compute_utilization"] > 0


@pytest.mark.node
def test_invoke_with_a_store_and_a_trigger(tmp_path: Path) -> None:
    lam = tmp_path / "lambda-event.json"
    lam.write_text(json.dumps(el.build_event("viewer-request", cookies={"ab": "B"})))
    out = edgelab(
        "invoke",
        str(EXAMPLES / "kvs-weights.js"),
        "--runtime",
        RT2,
        "--event",
        str(lam),
        "--kvs",
        str(EXAMPLES / "kvs.json"),
        "--trigger",
        "viewer-request",
        *ROOMY,
    )
    data = one_json(out)
    assert data["request"]["headers"]["x-ab-group"] == {"value": "B"}
    assert "converted to the CloudFront Functions event shape" in out.stderr


@pytest.mark.node
def test_invoke_from_standard_input(handlers_dir: Path) -> None:
    path = write(handlers_dir / "f.js", "function handler(event) { return event.request; }\n")
    data = one_json(
        edgelab(
            "invoke",
            path,
            "--runtime",
            RT1,
            "--event",
            "-",
            *ROOMY,
            stdin=json.dumps(el.build_cff_event(uri="/in")),
        )
    )
    assert data["request"]["uri"] == "/in"


@pytest.mark.node
def test_aws_test_result_format(event_file: Path, handlers_dir: Path) -> None:
    """§10: what `aws cloudfront test-function` prints, so scripts written for AWS run."""
    result = one_json(
        edgelab(
            "invoke",
            str(EXAMPLES / "redirect.js"),
            "--runtime",
            RT2,
            "--event",
            str(event_file),
            "--format",
            "aws-test-result",
            *ROOMY,
        )
    )["TestResult"]
    assert set(result) == {
        "FunctionSummary",
        "ComputeUtilization",
        "FunctionExecutionLogs",
        "FunctionErrorMessage",
        "FunctionOutput",
    }
    summary = result["FunctionSummary"]
    assert summary["Name"] == "redirect" and summary["Status"] == "UNPUBLISHED"
    assert summary["FunctionConfig"]["Runtime"] == RT2
    assert summary["FunctionMetadata"]["Stage"] == "DEVELOPMENT"
    assert summary["FunctionMetadata"]["FunctionARN"].endswith(":function/redirect")
    assert result["ComputeUtilization"].isdigit()
    output = json.loads(result["FunctionOutput"])
    assert output["response"]["statusCode"] == 301 and result["FunctionErrorMessage"] == ""

    path = write(
        handlers_dir / "logs.js",
        "function handler(event) {\n"
        "  console.log('one'); console.log('two');\n  return event.request.nope.x;\n}\n",
    )
    failed = one_json(
        edgelab(
            "invoke",
            path,
            "--runtime",
            RT1,
            "--event",
            str(event_file),
            "--format",
            "aws-test-result",
            "--kvs",
            str(EXAMPLES / "kvs.json"),
            *ROOMY,
        )
    )["TestResult"]
    assert failed["FunctionExecutionLogs"] == ["one", "two"]
    assert failed["FunctionErrorMessage"].startswith("TypeError:")
    assert failed["FunctionOutput"] == ""
    kvs = failed["FunctionSummary"]["FunctionConfig"]["KeyValueStoreAssociations"]
    assert kvs["Quantity"] == 1 and kvs["Items"][0]["KeyValueStoreARN"].endswith("/kvs")


@pytest.mark.node
def test_set_overrides_the_cloudfront_functions_rules(event_file: Path) -> None:
    data = one_json(
        edgelab(
            "invoke",
            str(EXAMPLES / "spa-rewrite.js"),
            "--runtime",
            RT1,
            "--event",
            str(event_file),
            "--set",
            "compute-budget=0.00001",
        )
    )
    assert (data["status"], data["error"]["type"]) == (503, "FunctionExecutionError")
    assert data["compute_utilization"] > 100


@pytest.mark.node
def test_a_lambda_edge_handler_gets_a_converted_cloudfront_functions_event(
    event_file: Path, handlers_dir: Path
) -> None:
    (handlers_dir / "h.py").write_text(
        "def handler(event, context):\n    return event['Records'][0]['cf']['request']\n"
    )
    out = edgelab("invoke", str(handlers_dir / "h.py"), "--event", str(event_file))
    data = one_json(out)
    assert data["request"]["querystring"] == "a=1" and "runtime" not in data
    assert "converted to the Lambda@Edge event shape" in out.stderr


EXIT_2 = [
    pytest.param(
        ["--runtime", RT1],
        "let a = 1;\n",
        "line 1: `let` is not in cloudfront-js-1.0",
        id="§1 a 1.0 file using let",
        marks=pytest.mark.node,
    ),
    pytest.param(
        ["--runtime", RT2],
        "function handler(e) { return e.request; }\n//" + "x" * 10300 + "\n",
        "FunctionSizeLimitExceeded",
        id="§8 over 10 KB",
    ),
    pytest.param(
        ["--runtime", RT2, "--kvs", "missing.json"],
        None,
        "does not exist",
        id="§5.4 a missing store",
    ),
    pytest.param(
        ["--runtime", RT2, "--set", "speed=2"], None, "unknown rule 'speed'", id="an unknown rule"
    ),
    pytest.param(
        ["--runtime", RT2, "--rules", "1999"],
        None,
        "must be one of 2025-11, 2023-03",
        id="an unknown rule set",
    ),
    pytest.param(
        ["--runtime", RT2, "--trigger", "origin-request"],
        None,
        "viewer-request and viewer-response only",
        id="§6 an origin trigger",
    ),
    pytest.param(
        ["--kvs", "kvs.json"], None, "are for CloudFront Functions", id="--kvs without --runtime"
    ),
    pytest.param(
        ["--format", "aws-test-result"],
        None,
        "are for CloudFront Functions",
        id="aws-test-result without --runtime",
    ),
    pytest.param(["--runtime", "cloudfront-js-3.0"], None, "invalid choice", id="a bad runtime"),
]


@pytest.mark.parametrize(("options", "source", "message"), EXIT_2)
def test_unusable_arguments_exit_2(
    event_file: Path, handlers_dir: Path, options: list[str], source: str | None, message: str
) -> None:
    path = write(handlers_dir / "f.js", source or "function handler(e) { return e.request; }\n")
    out = edgelab("invoke", path, "--event", str(event_file), *options)
    assert out.returncode == 2, out.stdout
    assert message in out.stderr and out.stdout == ""


def test_test_function_events_are_at_most_40960_bytes(tmp_path: Path, handlers_dir: Path) -> None:
    event = el.build_cff_event(headers=[f"X-Pad-{i}: {'v' * 1000}" for i in range(41)])
    (tmp_path / "big.json").write_text(json.dumps(event))
    path = write(handlers_dir / "f.js", "function handler(e) { return e.request; }\n")
    out = edgelab(
        "invoke",
        path,
        "--runtime",
        RT2,
        "--event",
        str(tmp_path / "big.json"),
        "--format",
        "aws-test-result",
    )
    assert out.returncode == 2 and "at most 40,960 bytes" in out.stderr


def test_rules_for_cloudfront_functions() -> None:
    rows = one_json(
        edgelab("rules", "--runtime", RT2, "--json", "--set", "compute-budget.viewer-response=3")
    )
    budget = {r["trigger"]: r["value"] for r in rows if r["rule"] == "compute-budget"}
    assert budget == {"viewer-request": 1.0, "viewer-response": 3}
    assert {r["rule"] for r in rows if r["kind"] == "limit"} >= {
        "function-size",
        "memory",
        "compute-budget",
        "kvs-value-size",
        "log-size",
    }
    decisions = one_json(edgelab("rules", "--runtime", RT1, "--decisions", "--json"))
    assert [d["topic"] for d in decisions] == [d.topic for d in el.CFF_DECISIONS]
    text = edgelab("rules", "--decisions").stdout
    assert "the CloudFront chain" in text and "CloudFront Functions (cloudfront-" in text
    assert text.index("body key absent") < text.index("CloudFront Functions (cloudfront-")
    assert all(d.topic in text for d in el.CFF_DECISIONS)
    header = edgelab("rules", "--runtime", RT2, "--rules", "2025-11").stdout
    assert "CloudFront Functions rule set 2025-11" in header and "cdn-loop" in header
    assert "compute-budget" in header and "rule sets: 2025-11, 2023-03" in header
