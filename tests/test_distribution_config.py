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
    (tmp_path / "notes.txt").write_text("not a handler")
    p = tmp_path / "distribution.toml"
    p.write_text(text)
    return p


BASE = '[origin]\ntype = "folder"\npath = "site/"\n'
HTTP = '[origin]\ntype = "http"\nurl = "http://127.0.0.1:8000"\n'


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
    ("negative read_timeout", HTTP + "read_timeout = -5\n", "origin.read_timeout"),
    ("zero read_timeout", HTTP + "read_timeout = 0\n", "origin.read_timeout"),
    (
        "resolve port not a number",
        HTTP + '[origin.resolve]\n"api.example" = "127.0.0.1:notaport"\n',
        "origin.resolve",
    ),
    (
        "resolve to another machine",
        HTTP + '[origin.resolve]\n"api.example" = "192.0.2.1:80"\n',
        "origin.resolve",
    ),
    (
        "http origin on another machine",
        '[origin]\ntype = "http"\nurl = "http://192.0.2.1:8000"\n',
        "origin.resolve",
    ),
    (
        "http origin name not in resolve",
        '[origin]\ntype = "http"\nurl = "http://api.example:8000"\n',
        "origin.resolve",
    ),
    ("client_ip not an IP", BASE + '[viewer]\nclient_ip = "not-an-ip"\n', "viewer.client_ip"),
    ("country a number", BASE + "[viewer]\ncountry = 5\n", "viewer.country"),
    ("country not alpha-2", BASE + '[viewer]\ncountry = "USA"\n', "viewer.country"),
    ("latitude a word", BASE + '[viewer]\nlatitude = "north"\n', "viewer.latitude"),
    ("latitude out of range", BASE + "[viewer]\nlatitude = 91\n", "viewer.latitude"),
    ("longitude out of range", BASE + "[viewer]\nlongitude = -181\n", "viewer.longitude"),
    (
        "cached_methods not a CloudFront set",
        BASE + '[cache]\ncached_methods = ["GET", "BREW"]\n',
        "cache.cached_methods",
    ),
    ("cached_methods a string", BASE + '[cache]\ncached_methods = "GET"\n', "cache.cached_methods"),
    (
        "handler not a .py or .js file",
        '[triggers]\nviewer-request = "notes.txt"\n' + BASE,
        "triggers.viewer-request",
    ),
    (
        "handler in a folder, not .py or .js",
        '[triggers]\nviewer-request = "site/index.html"\n' + BASE,
        "triggers.viewer-request",
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
    assert str(info.value).startswith(f"{p}: ")  # the file, then the key
    assert main(["request", "/", "--config", str(p)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert str(p) in err and key.split(".")[-1] in err


def test_cached_methods_with_options_and_viewer_defaults_load(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        BASE + '[cache]\ncached_methods = ["options", "HEAD", "GET"]\n'
        '[viewer]\ncountry = "fr"\nclient_ip = "2001:db8::7"\nlatitude = 48.8\n'
        "longitude = 2\n",
    )
    with el.load_distribution(p) as dist:
        assert dist.cache_policy.cached_methods == ("GET", "HEAD", "OPTIONS")
        assert dist.viewer_defaults["country"] == "fr"
        assert dist.request("/index.html").viewer.country == "FR"


def test_handler_that_does_not_import_names_the_file_and_trigger(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def handler(e, c) return\n")
    p = write(tmp_path, '[triggers]\norigin-request = "broken.py"\n' + BASE)
    with pytest.raises(el.HandlerLoadError, match=r"triggers\.origin-request: .*SyntaxError") as e:
        el.load_distribution(p)
    assert str(e.value).startswith(f"{p}: ")


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
