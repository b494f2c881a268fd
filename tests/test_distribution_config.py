"""distribution.toml: loading, clear errors naming the key, and the request/traces CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import edgelab as el
from edgelab.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "distribution" / "distribution.toml"


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "site").mkdir(exist_ok=True)
    (tmp_path / "site" / "index.html").write_text("hi")
    h = tmp_path / "h.py"
    h.write_text("def handler(event, context):\n    return event['Records'][0]['cf']['request']\n")
    p = tmp_path / "distribution.toml"
    p.write_text(text)
    return p


BASE = '[origin]\ntype = "folder"\npath = "site/"\n'


def test_example_loads_and_runs() -> None:
    dist = el.load_distribution(EXAMPLE)
    first, second = dist.request("/"), dist.request("/")
    assert (first.cache, second.cache) == ("Miss", "Hit")
    assert first.triggers == [
        "viewer-request",
        "origin-request",
        "origin-response",
        "viewer-response",
    ]
    assert dist.request("/", country="FR").status == 302
    dist.close()


def test_mapping_origin_and_policies_from_toml(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
[distribution]
domain_name = "d123.cloudfront.net"
[triggers]
origin-request = { handler = "h.py", include_body = true }
[origin]
type = "mapping"
[origin.responses."/a"]
status = 200
headers = { "Content-Type" = "text/plain" }
body = "made"
[cache]
default_ttl = 60
query_strings = ["v"]
[origin_request_policy]
cloudfront_headers = ["CloudFront-Viewer-Country"]
[viewer]
country = "JP"
""",
    )
    dist = el.load_distribution(p)
    trace = dist.request("/a")
    assert trace.status == 200 and trace.body == b"made" and trace.ttl == 60
    seen = trace.stage("origin-request").input["headers"]
    assert seen["cloudfront-viewer-country"][0]["value"] == "JP"


BAD = [
    (
        "missing handler",
        '[triggers]\nviewer-request = "nope.py"\n' + BASE,
        "triggers.viewer-request",
    ),
    ("unknown trigger", '[triggers]\nviewer = "h.py"\n' + BASE, "triggers.viewer"),
    ("TTL not a number", BASE + '[cache]\ndefault_ttl = "1d"\n', "cache.default_ttl"),
    ("unknown origin type", '[origin]\ntype = "s3"\n', "origin.type"),
    ("missing folder", '[origin]\ntype = "folder"\npath = "nope/"\n', "origin.path"),
    ("malformed url", '[origin]\ntype = "http"\nurl = "localhost:80"\n', "origin.url"),
    ("unknown cache key", BASE + "[cache]\nttl = 1\n", "cache.ttl"),
    ("bad query_strings", BASE + '[cache]\nquery_strings = "some"\n', "cache.query_strings"),
    (
        "include_body on a response trigger",
        '[triggers]\norigin-response = { handler = "h.py", include_body = true }\n' + BASE,
        "triggers.origin-response.include_body",
    ),
    ("no origin", "[cache]\ndefault_ttl = 1\n", "origin"),
    ("unknown section", BASE + "[behaviour]\nx = 1\n", "behaviour"),
    ("bad rules", '[distribution]\nrules = "2020"\n' + BASE, "distribution.rules"),
    (
        "bad cloudfront header",
        BASE + '[origin_request_policy]\ncloudfront_headers = ["X-A"]\n',
        "origin_request_policy.cloudfront_headers",
    ),
]


@pytest.mark.parametrize(("text", "key"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_config_names_the_key(
    tmp_path: Path, text: str, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    p = write(tmp_path, text)
    with pytest.raises(el.ConfigError) as info:
        el.load_distribution(p)
    assert info.value.key == key
    assert main(["request", "/", "--config", str(p)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_not_toml_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "d.toml"
    p.write_text("[origin\n")
    assert main(["request", "/", "--config", str(p)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_cli_request_json_repeat(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "example"
    shutil.copytree(EXAMPLE.parent, cfg)
    assert (
        main(
            [
                "request",
                "/",
                "--config",
                str(cfg / "distribution.toml"),
                "--repeat",
                "2",
                "--json",
                "--header",
                "Accept: text/html",
                "--cookie",
                "a=1",
            ]
        )
        == 0
    )
    data = json.loads(capfd.readouterr().out)
    assert [d["cache"] for d in data] == ["Miss", "Hit"]
    assert data[0]["status"] == 200 and isinstance(data[0]["status"], int)
    assert [s["trigger"] for s in data[1]["stages"]] == ["viewer-request", "viewer-response"]
    for s in data[0]["stages"]:
        assert {"trigger", "outcome", "duration_ms", "violations"} <= set(s)
    assert data[0]["response"]["headers"]["x-cache"][0]["value"] == "Miss from cloudfront"
    assert "Hello from the edge" in data[0]["response"]["body"]


def test_cli_request_text_and_handler_prints_stay_off_stdout(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    h = tmp_path / "noisy.py"
    h.write_text(
        "import os\ndef handler(event, context):\n    print('NOISE')\n"
        "    os.write(1, b'RAW')\n    return event['Records'][0]['cf']['request']\n"
    )
    p = write(tmp_path, '[triggers]\nviewer-request = "noisy.py"\n' + BASE)
    assert main(["request", "/index.html", "--config", str(p), "--repeat", "2"]) == 0
    out = capfd.readouterr().out
    assert "NOISE" not in out.replace("| NOISE", "") and "RAW" not in out
    assert "Miss" in out and "Hit" in out


def test_cli_request_handler_error_is_exit_0(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.py").write_text("def handler(event, context):\n    raise ValueError('x')\n")
    p = write(tmp_path, '[triggers]\nviewer-request = "bad.py"\n' + BASE)
    assert main(["request", "/", "--config", str(p), "--json"]) == 0
    data = json.loads(capfd.readouterr().out)
    assert data[0]["status"] == 500 and data[0]["cache"] == "Error"


@pytest.mark.node
def test_node_handler_in_the_chain(tmp_path: Path) -> None:
    (tmp_path / "vr.js").write_text(
        "exports.handler = async (event) => { const r = event.Records[0].cf.request;\n"
        "  r.headers['x-node'] = [{key: 'X-Node', value: '1'}]; return r; };\n"
    )
    p = write(tmp_path, '[triggers]\nviewer-request = "vr.js"\n' + BASE)
    dist = el.load_distribution(p)
    try:
        trace = dist.request("/index.html")
    finally:
        dist.close()
    assert trace.status == 200
    assert trace.stages[0].diff["headers"]["added"] == {"x-node": ["1"]}
