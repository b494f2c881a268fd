"""The ``edgelab`` command line, through a real subprocess (``python -m edgelab``)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from tests.conftest import ROOT

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
}


def edgelab(
    *args: str, cwd: Path = ROOT, stdin: str | None = None, exe: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(exe or [sys.executable, "-m", "edgelab"]), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_json(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # the whole of stdout is exactly one JSON value


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    el.save_event(el.build_event("viewer-request", uri="/cli"), path)
    return path


# -- edgelab event --------------------------------------------------------------------------
@pytest.mark.parametrize("trigger", [t.value for t in el.TRIGGERS])
def test_event_without_options_prints_build_event(trigger: str) -> None:
    assert one_json(edgelab("event", trigger)) == el.build_event(trigger)


OPTIONS: dict[str, list[str]] = {
    "viewer-request": ["--body", "name=a"],
    "origin-request": [
        "--body",
        "name=a",
        "--origin",
        "s3:bucket.s3.amazonaws.com",
        "--country",
        "fr",
        "--device",
        "mobile",
    ],
    "origin-response": [
        "--status",
        "404",
        "--response-header",
        "X-R: 1",
        "--country",
        "fr",
        "--device",
        "mobile",
    ],
    "viewer-response": [
        "--status",
        "304",
        "--response-header",
        "X-R: 1",
        "--country",
        "fr",
        "--device",
        "mobile",
    ],
}


@pytest.mark.parametrize("trigger", list(OPTIONS))
def test_event_options_all_show_up_in_the_json(trigger: str) -> None:
    common = [
        "--uri",
        "/p.html",
        "--method",
        "post",
        "--querystring",
        "a=1",
        "--header",
        "X-A: 1",
        "--cookie",
        "c=2",
        "--client-ip",
        "198.51.100.7",
    ]
    event = one_json(edgelab("event", trigger, *common, *OPTIONS[trigger]))
    cf = el.cf_record(event)
    req, h = cf["request"], el.Headers(cf["request"]["headers"])
    assert (req["uri"], req["method"], req["querystring"], req["clientIp"]) == (
        "/p.html",
        "POST",
        "a=1",
        "198.51.100.7",
    )
    assert h["x-a"] == "1" and h.cookies() == {"c": "2"}
    if "--body" in OPTIONS[trigger]:
        assert base64.b64decode(req["body"]["data"]) == b"name=a"
    if "--origin" in OPTIONS[trigger]:
        assert req["origin"] == el.s3_origin("bucket.s3.amazonaws.com")
    if "--country" in OPTIONS[trigger]:
        assert h["cloudfront-viewer-country"] == "FR"
        assert h["cloudfront-is-mobile-viewer"] == "true"
    if "--status" in OPTIONS[trigger]:
        assert cf["response"]["status"] == OPTIONS[trigger][1]
        assert el.Headers(cf["response"]["headers"])["x-r"] == "1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["viewer-request", "--country", "US"],
            "after viewer request",
            id="§7 --country refused for viewer-request",
        ),
        pytest.param(["viewer-response", "--body", "x"], "Include Body", id="§1.4 --body in VResp"),
        pytest.param(
            ["origin-request", "--origin", "http:x"],
            "--origin must be custom:DOMAIN",
            id="bad --origin",
        ),
        pytest.param(["viewer-request", "--uri", "x"], "uri must start with '/'", id="bad --uri"),
        pytest.param(["viewer"], "must be one of viewer-request", id="unknown trigger"),
        pytest.param(
            ["origin-response", "--status", "abc"],
            "must be a whole number from 200 to 599",
            id="non-numeric --status",
        ),
    ],
)
def test_event_with_unusable_options_exits_2(args: list[str], message: str) -> None:
    out = edgelab("event", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert message in out.stderr and "Traceback" not in out.stderr


# -- edgelab invoke ---------------------------------------------------------------------------
NOISY = """\
import os, sys
print("printed at import")
os.write(1, b"raw-import-write")

def lambda_handler(event, context):
    print("printed in handler")
    os.write(1, b"raw-handler-write")
    sys.stdout.flush()
    return event["Records"][0]["cf"]["request"]
"""


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated (default)"])
def test_invoke_prints_exactly_one_json_object_and_no_handler_output(
    handlers_dir: Path, event_file: Path, isolated: bool
) -> None:
    (handlers_dir / "noisy.py").write_text(NOISY)
    args = ["invoke", str(handlers_dir / "noisy.py"), "--event", str(event_file)]
    out = edgelab(*args, *([] if isolated else ["--in-process"]))
    data = one_json(out)
    assert set(data) >= CONTRACT
    assert data["outcome"] == "request" and data["request"]["uri"] == "/cli"
    assert "printed in handler" in data["logs"]
    outside_logs = out.stdout.replace(json.dumps(data["logs"]), "")
    for noise in (
        "printed at import",
        "raw-import-write",
        "printed in handler",
        "raw-handler-write",
    ):
        assert noise not in outside_logs
    if not isolated:
        assert "raw-handler-write" in out.stderr  # a raw fd-1 write is sent to stderr


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ("raise ValueError('x')", 500, "LambdaExecutionError"),
        ("return None", 502, "LambdaValidationError"),
        ("time.sleep(100)", 503, "LambdaLimitExceeded"),
    ],
    ids=["500", "502", "503"],
)
def test_invoke_exits_0_when_the_handler_ran_even_if_it_failed(
    handlers_dir: Path, event_file: Path, body: str, status: int, kind: str
) -> None:
    (handlers_dir / "fails.py").write_text(
        f"import time\ndef handler(event, context):\n    {body}\n"
    )
    data = one_json(
        edgelab(
            "invoke",
            str(handlers_dir / "fails.py"),
            "--event",
            str(event_file),
            "--set",
            "timeout=0.5",
        )
    )
    assert (data["outcome"], data["status"], data["error"]["type"]) == ("error", status, kind)


def test_invoke_reads_the_event_from_stdin_and_reports_notes_on_stderr(handlers_dir: Path) -> None:
    (handlers_dir / "h.py").write_text("def handler(e, c):\n    return {'status': '200'}\n")
    sam = (ROOT / "tests/fixtures/sam/CloudFrontABTest.json").read_text()
    out = edgelab("invoke", str(handlers_dir / "h.py"), "--event", "-", stdin=sam)
    assert one_json(out)["status"] == 200
    assert "note: config.eventType is missing" in out.stderr


def test_invoke_trigger_and_rules_options(handlers_dir: Path, event_file: Path) -> None:
    (handlers_dir / "left.py").write_text(
        "def handler(event, context):\n"
        "    return {'status': '200', 'body': str(context.get_remaining_time_in_millis())}\n"
    )
    data = one_json(
        edgelab(
            "invoke",
            str(handlers_dir / "left.py"),
            "--event",
            str(event_file),
            "--trigger",
            "origin-request",
            "--rules",
            "2023-03",
            "--set",
            "timeout.origin-request=12",
        )
    )
    assert data["trigger"] == "origin-request"
    assert 0 < int(data["response"]["body"]) <= 12_000


def test_rules_command_lists_limits_and_decisions() -> None:
    rows = one_json(edgelab("rules", "--json", "--set", "timeout=7"))
    assert {
        "kind": "limit",
        "rule": "timeout",
        "trigger": "viewer-request",
        "value": 7,
    }.items() <= next(r for r in rows if r["rule"] == "timeout").items()
    decisions = one_json(edgelab("rules", "--decisions", "--json"))
    from edgelab.frames.billing import BILLING_DECISIONS
    from edgelab.frames.logs import LOG_DECISIONS

    assert [d["topic"] for d in decisions] == [
        d.topic for d in (*el.DECISIONS, *LOG_DECISIONS, *BILLING_DECISIONS)
    ]


# -- exit 2 with a clear message ----------------------------------------------------------------
FILES = {
    "ok.py": "def handler(e, c):\n    return e['Records'][0]['cf']['request']\n",
    "nofn.py": "def other(e, c):\n    pass\n",
    "syntax.py": "def handler(e, c) return\n",
    "imports.py": "import no_such_module_for_edgelab\n",
    "bad.json": "{not json",
    "notes.txt": "not a handler\n",
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "list.json": "[1, 2]",
}
EXIT_2 = [
    pytest.param([], "required", id="no sub-command"),
    pytest.param(["invoke"], "required: HANDLER", id="invoke without arguments"),
    pytest.param(
        ["invoke", "{d}/ok.py"],
        "give the event: --event FILE (or - for standard input), or --trigger",
        id="invoke without --event or --trigger",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{e}", "--uri", "/a"],
        "--uri build an event, and --event",
        id="invoke with --event and event options",
    ),
    pytest.param(["frobnicate"], "invalid choice", id="unknown sub-command"),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{d}/missing.json"],
        "does not exist",
        id="missing event file",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{d}/bad.json"], "is not JSON", id="non-JSON event file"
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{e}", "--trigger", "viewer"],
        "must be one of viewer-request",
        id="unknown trigger",
    ),
    pytest.param(
        ["invoke", "{d}/missing.py", "--event", "{e}"], "does not exist", id="missing handler file"
    ),
    pytest.param(
        ["invoke", "{d}/nofn.py", "--event", "{e}"],
        "has no function 'handler'",
        id="missing function",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py:nope", "--event", "{e}"],
        "has no function 'nope'",
        id="missing named function",
    ),
    pytest.param(["invoke", "{d}/syntax.py", "--event", "{e}"], "SyntaxError", id="syntax error"),
    pytest.param(
        ["invoke", "{d}/imports.py", "--event", "{e}"], "ModuleNotFoundError", id="import error"
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{e}", "--set", "timeout=soon"],
        "needs a number",
        id="bad --set value",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{e}", "--set", "speed=1"],
        "unknown rule 'speed'",
        id="bad --set key",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{e}", "--set", "timeout"],
        "must look like RULE=VALUE",
        id="--set without =",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{e}", "--rules", "1999"],
        "rule set must be one of 2025-11, 2023-03",
        id="bad --rules",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "-"], "standard input is not JSON", id="non-JSON stdin"
    ),
    # issue 9: each bad input names the option or key, the bad value and what is allowed
    pytest.param(
        ["invoke", "{d}/notes.txt", "--event", "{e}"],
        "notes.txt' is not a Python (.py) or Node.js (.js, .cjs, .mjs) file",
        id="handler not a .py or .js file",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{d}/deep.json"],
        "nests objects and lists too deeply to parse; an event may be at most 64",
        id="deeply nested event file",
    ),
    pytest.param(
        ["invoke", "{d}/ok.py", "--event", "{d}/list.json"],
        "an event must be a JSON object with a Records list; got list",
        id="event file holds a list",
    ),
    pytest.param(
        ["traffic", "--n", "10000000000000", "--out", "{d}/t.parquet"],
        "argument --n: must be a whole number from 1 to 20,000,000; got 10000000000000",
        id="traffic --n too large",
    ),
    pytest.param(
        ["traffic", "--n", "0", "--out", "{d}/t.parquet"],
        "argument --n: must be a whole number from 1 to 20,000,000; got 0",
        id="traffic --n 0",
    ),
    pytest.param(
        ["traffic", "--seed", "-1", "--out", "{d}/t.parquet"],
        "argument --seed: must be a whole number 0 or more; got -1",
        id="traffic --seed -1",
    ),
    pytest.param(
        ["traffic", "--profile", "mall", "--out", "{d}/t.parquet"],
        "unknown traffic profile 'mall'; the profiles are shop, news, api",
        id="traffic unknown profile",
    ),
    pytest.param(
        ["event", "viewer-request", "--method", "GE T"],
        "method must be an HTTP method, a single token such as GET, POST or OPTIONS "
        "(RFC 9110 §9.1); got 'GE T'",
        id="event --method with a space",
    ),
    pytest.param(
        ["event", "origin-response", "--status", "999"],
        "argument --status: must be a whole number from 200 to 599; got 999",
        id="event --status 999",
    ),
    pytest.param(
        ["event", "viewer-request", "--client-ip", "not-an-ip"],
        "client_ip must be an IPv4 or IPv6 address such as 203.0.113.178; got 'not-an-ip'",
        id="event --client-ip",
    ),
    pytest.param(
        ["event", "origin-request", "--country", "France"],
        "country must be an ISO 3166-1 alpha-2 country code, two letters such as US or "
        "FR (facts §7); got 'France'",
        id="event --country",
    ),
    pytest.param(
        ["event", "viewer-request", "--header", "X-A: 1\r\nX-B: 2"],
        "has a value with a line break",
        id="event --header with CRLF",
    ),
    pytest.param(
        ["event", "viewer-request", "--uri", "/a b"],
        "uri must not contain spaces, control characters, '#'",
        id="event --uri space",
    ),
    pytest.param(
        [
            "replay",
            "{d}/t.parquet",
            "--config",
            "{d}/d.toml",
            "--out",
            "{d}/r.csv",
            "--workers",
            "0",
        ],
        "argument --workers: must be a whole number from 1 to 256",
        id="replay --workers 0",
    ),
    pytest.param(
        ["request", "/", "--config", "{d}/d.toml", "--repeat", "0"],
        "argument --repeat: must be a whole number from 1 to 1,000; got 0",
        id="request --repeat 0",
    ),
    pytest.param(
        ["traces", "--file", "{d}/t.jsonl", "--last", "-2"],
        "argument --last: must be a whole number 0 or more; got -2",
        id="traces --last -2",
    ),
]


@pytest.mark.parametrize(("args", "message"), EXIT_2)
def test_unusable_input_exits_2_with_one_paragraph_and_no_traceback(
    handlers_dir: Path, event_file: Path, args: list[str], message: str
) -> None:
    for name, text in FILES.items():
        (handlers_dir / name).write_text(text)
    argv = [a.format(d=handlers_dir, e=event_file) for a in args]
    out = edgelab(*argv, stdin="not json")
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    assert message in out.stderr
    assert "Traceback" not in out.stderr and "\n\n" not in out.stderr.strip()


# -- the console script ----------------------------------------------------------------
CONSOLE = ROOT / ".venv" / "bin" / "edgelab"


@pytest.mark.skipif(not CONSOLE.exists(), reason="no .venv/bin/edgelab console script")
def test_console_script_behaves_like_python_m_edgelab(tmp_path: Path) -> None:
    package = tmp_path / "edgepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "route.py").write_text("def handler(e, c):\n    return {'status': '307'}\n")
    el.save_event(el.build_event("viewer-request"), tmp_path / "e.json")
    args = ["invoke", "edgepkg.route:handler", "--event", "e.json"]
    via_module = one_json(edgelab(*args, cwd=tmp_path))
    via_script = one_json(edgelab(*args, cwd=tmp_path, exe=[str(CONSOLE)]))
    assert via_module["status"] == via_script["status"] == 307
    assert (
        edgelab("event", "origin-request", exe=[str(CONSOLE)]).stdout
        == edgelab("event", "origin-request").stdout
    )
    bad = edgelab("invoke", "x.py", "--event", "missing.json", exe=[str(CONSOLE)], cwd=tmp_path)
    assert bad.returncode == 2 and "does not exist" in bad.stderr


# -- the real viewer timeout -------------------------------------------------------------
@pytest.mark.slow
def test_endless_loop_hits_the_real_5_second_viewer_timeout(
    handlers_dir: Path, event_file: Path
) -> None:
    (handlers_dir / "loop.py").write_text("def handler(e, c):\n    while True:\n        pass\n")
    data = one_json(
        edgelab(
            "invoke",
            str(handlers_dir / "loop.py"),
            "--event",
            str(event_file),
            "--rules",
            "2023-03",
        )
    )  # the 2025-11 viewer timeout is 30 s
    assert (data["status"], data["error"]["type"]) == (503, "LambdaLimitExceeded")
    assert "5 s timeout" in data["error"]["message"]


def test_cli_start_up_imports_no_data_stack() -> None:
    """`edgelab event` and `edgelab invoke` are scripted by other tools: building the
    parser must not pull in pandas, numpy, pyarrow, matplotlib or the HTTP stack."""
    code = (
        "import sys, edgelab.cli; edgelab.cli.build_parser(); "
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'matplotlib', 'httpx', "
        "'uvicorn', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# -- issue 9: the same inputs refused by one and by N replay workers, and by request --------
SITE_CONFIG = '[origin]\ntype = "folder"\npath = "site/"\n'
REPLAY_CASES = {
    "missing config": (None, "config file", "does not exist"),
    "bad TTL": (SITE_CONFIG + "[cache]\ndefault_ttl = -1\n", "cache.default_ttl", "0 or more"),
    "handler syntax error": (
        '[triggers]\nviewer-request = "syntax.py"\n' + SITE_CONFIG,
        "triggers.viewer-request",
        "SyntaxError",
    ),
    "handler exits at import": (
        '[triggers]\nviewer-request = "exits.py"\n' + SITE_CONFIG,
        "triggers.viewer-request",
        "exited while importing (code 3)",
    ),
}


@pytest.fixture
def replay_dir(tmp_path: Path) -> Path:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("hi")
    (tmp_path / "syntax.py").write_text("def handler(e, c) return\n")
    (tmp_path / "exits.py").write_text("import os\nos._exit(3)\n")
    el.save_traffic(el.generate_traffic("workshop-small", 30, seed=1), tmp_path / "t.parquet")
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("case", list(REPLAY_CASES))
def test_replay_refuses_the_same_input_with_one_or_two_workers(replay_dir: Path, case: str) -> None:
    text, key, reason = REPLAY_CASES[case]
    config = replay_dir / "d.toml"
    if text is not None:
        config.write_text(text)
    errors = []
    for workers in ("1", "2"):
        out = edgelab(
            "replay",
            str(replay_dir / "t.parquet"),
            "--config",
            str(config),
            "--out",
            str(replay_dir / f"r{workers}.parquet"),
            "--workers",
            workers,
            "--no-progress",
        )
        assert out.returncode == 2, out.stderr
        assert "Traceback" not in out.stderr and out.stdout == ""
        assert not (replay_dir / f"r{workers}.parquet").exists()
        errors.append(out.stderr)
    assert errors[0] == errors[1]
    assert str(config) in errors[0] and key in errors[0] and reason in errors[0]


def test_library_replay_with_workers_checks_the_config_first(replay_dir: Path) -> None:
    config = replay_dir / "d.toml"
    config.write_text(REPLAY_CASES["bad TTL"][0])
    traffic = el.generate_traffic("workshop-small", 10, seed=1)
    with pytest.raises(el.ConfigError, match=r"cache\.default_ttl"):
        el.replay(config, traffic, workers=2, progress=False)


REQUEST_EXIT_2 = [
    pytest.param(
        ["--country", "5"], "country must be an ISO 3166-1 alpha-2 country code", id="--country 5"
    ),
    pytest.param(
        ["--client-ip", "not-an-ip"], "client_ip must be an IPv4 or IPv6 address", id="--client-ip"
    ),
    pytest.param(["--method", "GE T"], "method must be an HTTP method", id="--method 'GE T'"),
    pytest.param(
        ["--header", "no colon"],
        "a header must look like 'Name: value'",
        id="--header without a colon",
    ),
]


@pytest.mark.parametrize(("args", "message"), REQUEST_EXIT_2)
def test_request_with_unusable_options_exits_2(
    replay_dir: Path, args: list[str], message: str
) -> None:
    (replay_dir / "d.toml").write_text(SITE_CONFIG)
    out = edgelab("request", "/index.html", "--config", str(replay_dir / "d.toml"), *args)
    assert out.returncode == 2 and out.stdout == ""
    assert message in out.stderr
    assert "Traceback" not in out.stderr and "\n\n" not in out.stderr.strip()


# -- every option of every sub-command has a help text ---------------------------------------
def _missing_help(parser: Any, prefix: str) -> list[str]:
    """Options and arguments without a help text, walking nested sub-commands."""
    import argparse

    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += _missing_help(sub, f"{prefix} {name}".strip())
        elif not (action.help or "").strip() or action.help == argparse.SUPPRESS:
            missing.append(f"{prefix} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_option_of_every_sub_command_has_a_help_text() -> None:
    import argparse

    from edgelab.cli import COMMANDS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(sub.choices) == sorted(COMMANDS)
    assert _missing_help(parser, "") == []


# -- traffic rows no viewer could send: their own outcome, never a function's 502 ----------
BAD_ROWS = {
    1: ("uri", "index.html", "uri must start with '/'; got 'index.html'"),
    2: ("uri", "/a b", "uri must not contain spaces"),
    3: ("method", "GE T", "method must be an HTTP method"),
    4: ("client_ip", "not-an-ip", "client_ip must be an IPv4 or IPv6 address"),
    5: ("country", "France", "country must be an ISO 3166-1 alpha-2 country code"),
    6: ("latitude", 123.0, "latitude must be a number of degrees from -90 to 90; got 123"),
}


def test_replay_reports_bad_traffic_rows_as_input_errors(replay_dir: Path) -> None:
    import pandas as pd

    (replay_dir / "d.toml").write_text('[triggers]\nviewer-request = "pass.py"\n' + SITE_CONFIG)
    (replay_dir / "pass.py").write_text(
        "def handler(e, c):\n    return e['Records'][0]['cf']['request']\n"
    )
    rows = [
        {
            "time": f"2025-03-01T00:00:0{i}Z",
            "method": "GET",
            "uri": "/index.html",
            "client_ip": "198.18.0.1",
            "country": "FR",
            "latitude": 48.8,
        }
        for i in range(8)
    ]
    for i, (col, value, _) in BAD_ROWS.items():
        rows[i][col] = value
    pd.DataFrame(rows).to_csv(replay_dir / "bad.csv", index=False)
    out = edgelab(
        "replay",
        str(replay_dir / "bad.csv"),
        "--config",
        str(replay_dir / "d.toml"),
        "--out",
        str(replay_dir / "r.parquet"),
        "--no-progress",
    )
    assert out.returncode == 0, out.stderr
    results = pd.read_parquet(replay_dir / "r.parquet")
    assert str(results["status"].dtype) == "Int64"  # nullable, as the README declares
    for i, (_, _, reason) in BAD_ROWS.items():
        row = results.iloc[i]
        assert (row["outcome"], row["error_type"]) == ("input-error", "InputError")
        assert (
            row["error_message"].startswith(f"traffic row {i}: ") and reason in row["error_message"]
        )
        assert pd.isna(row["status"]) and pd.isna(row["vreq_outcome"])  # no function ran
    good = results.drop(index=list(BAD_ROWS))
    assert set(good["outcome"]) == {"served"} and set(good["status"]) == {200}


def test_a_replay_and_its_closing_counts_never_import_scipy(replay_dir: Path) -> None:
    """scipy.stats (0.7 s of CPU to import) is for A/B statistics: `edgelab replay`, its
    closing counts included (edgelab.analysis), runs without it."""
    (replay_dir / "d.toml").write_text("[distribution]\nisolated = false\n" + SITE_CONFIG)
    code = (
        "import sys; from edgelab.cli import main; "
        f"code = main(['replay', {str(replay_dir / 't.parquet')!r}, '--config', "
        f"{str(replay_dir / 'd.toml')!r}, '--out', {str(replay_dir / 'r.parquet')!r}, "
        "'--no-progress']); print(code, 'scipy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-2:] == ["0", "False"], out.stdout + out.stderr
    assert "30 requests" in out.stdout + out.stderr


SURROGATE = (
    "def handler(event, context):\n"
    "    print('log line with a lone surrogate: \\ud800')\n"
    "    return {'status': '200', 'body': 'a\\ud800b'}\n"
)


@pytest.mark.parametrize("command", ["invoke", "request"])
def test_a_lone_surrogate_from_a_handler_is_a_502_and_output_stays_readable(
    handlers_dir: Path, event_file: Path, replay_dir: Path, command: str
) -> None:
    (handlers_dir / "sur.py").write_text(SURROGATE)
    if command == "invoke":
        data = one_json(edgelab("invoke", str(handlers_dir / "sur.py"), "--event", str(event_file)))
        assert (data["status"], data["error"]["type"]) == (502, "LambdaValidationError")
        assert "lone surrogate" in data["error"]["message"]
        assert "\\ud800" in data["logs"] or "\ud800" in data["logs"]
        return
    (replay_dir / "sur.py").write_text(SURROGATE)
    (replay_dir / "d.toml").write_text('[triggers]\nviewer-request = "sur.py"\n' + SITE_CONFIG)
    out = edgelab("request", "/", "--config", str(replay_dir / "d.toml"))
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert "502" in out.stdout and "LambdaValidationError" in out.stdout
    assert "\\ud800" in out.stdout  # the handler's log line, escaped
