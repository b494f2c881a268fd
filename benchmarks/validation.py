"""Validation speed: ``validate_result`` of this checkout against another revision's.

The other revision's ``edgelab/rules/validate.py`` is read with ``git show REV:...`` and
loaded beside this checkout's (it runs on this checkout's rule sets), so both are timed
in one run, on one machine, in alternating rounds (best round of each kept), on the
results a replay validates most: requests and responses passed through or lightly
edited, an origin switch with custom headers, a generated response, one violation.
Before timing, both must find the same violations on every case.

    uv run python benchmarks/validation.py [--against main] [--n 20000] [--rounds 7]

Prints microseconds per call for each case and side, and the ratio this / other.
Target: ratio <= 1.0 (validation must not get slower).
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import edgelab as el
from edgelab.rules import validate as this

ROOT = Path(__file__).resolve().parents[1]
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "en-GB,en;q=0.9",
    "Cache-Control": "no-cache",
    "Cookie": "session=abc123; theme=dark",
    "Referer": "https://www.example.com/shop/",
    "Sec-Fetch-Mode": "navigate",
}
Edit = Callable[[dict[str, Any]], Any]


def other_validate(rev: str) -> ModuleType:
    """``edgelab/rules/validate.py`` as it is at ``rev``, as a module of this package."""
    source = subprocess.run(
        ["git", "show", f"{rev}:edgelab/rules/validate.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    name = "edgelab.rules._validate_at_other"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "edgelab.rules"
    sys.modules[name] = module
    exec(compile(source, f"{rev}:edgelab/rules/validate.py", "exec"), module.__dict__)
    return module


def _case(trigger: str, edit: Edit | None = None, **build: Any) -> tuple[Any, ...]:
    event = el.build_event(trigger, headers=BROWSER, **build)
    cf = event["Records"][0]["cf"]
    own = cf["response"] if "response" in cf else cf["request"]
    result = copy.deepcopy(own)
    if edit is not None:
        edit(result)
    return el.Trigger(trigger), cf, result


def _add(name: str, value: str) -> Edit:
    return lambda part: el.MutableHeaders(part["headers"]).__setitem__(name, value)


def _origin(part: dict[str, Any]) -> None:
    pairs = [("X-Origin-Token", "s3cr3t"), ("X-Tenant", "shop")]
    part["origin"] = el.custom_origin("api.example.com", custom_headers=pairs)


def cases() -> dict[str, tuple[Any, ...]]:
    generated = {
        "status": "302",
        "statusDescription": "Found",
        "headers": el.header_map(
            [("Location", "https://example.com/"), ("Cache-Control", "max-age=60")]
        ),
        "body": "",
    }
    vreq = el.build_event("viewer-request", headers=BROWSER)["Records"][0]["cf"]
    return {
        "VReq request passed through": _case("viewer-request"),
        "VReq request + one header": _case("viewer-request", _add("X-Experiment", "b")),
        "VReq request, uri rewritten": _case(
            "viewer-request", lambda p: p.update(uri="/index.html")
        ),
        "VReq generated redirect": (el.Trigger("viewer-request"), vreq, generated),
        "OReq request passed through": _case("origin-request"),
        "OReq origin switched": _case("origin-request", _origin),
        "OResp response passed through": _case("origin-response"),
        "VResp + security headers": _case(
            "viewer-response",
            lambda p: [
                _add("Strict-Transport-Security", "max-age=63072000")(p),
                _add("X-Frame-Options", "DENY")(p),
                _add("X-Content-Type-Options", "nosniff")(p),
            ],
        ),
        "VReq adds X-Cache (502)": _case("viewer-request", _add("X-Cache", "Hit")),
    }


def per_call(validate: Callable[..., Any], case: tuple[Any, ...], n: int, rules: Any) -> float:
    trigger, cf, result = case
    started = time.perf_counter()
    for _ in range(n):
        validate(result, trigger=trigger, cf_in=cf, rules=rules)
    return (time.perf_counter() - started) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", default="main", help="git revision to compare with")
    ap.add_argument("--n", type=int, default=20_000, help="calls per case and round")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    other = other_validate(args.against)
    rules = el.get_rules()
    table = cases()
    for name, (trigger, cf, result) in table.items():
        mine = [
            v.to_dict()
            for v in this.validate_result(result, trigger=trigger, cf_in=cf, rules=rules)[1]
        ]
        theirs = [
            v.to_dict()
            for v in other.validate_result(result, trigger=trigger, cf_in=cf, rules=rules)[1]
        ]
        assert mine == theirs, (name, mine, theirs)
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for name, case in table.items():
            for side, module in (("this", this), ("other", other)):
                took = per_call(module.validate_result, case, args.n, rules)
                best[(name, side)] = min(best.get((name, side), took), took)
    print(f"validate_result, µs per call (best of {args.rounds} rounds of {args.n:,})")
    print(f"{'case':<32} {'this':>8} {args.against:>8} {'ratio':>6}")
    for name in table:
        mine, theirs = best[(name, "this")], best[(name, "other")]
        print(f"{name:<32} {mine * 1e6:8.2f} {theirs * 1e6:8.2f} {mine / theirs:6.2f}")
    total_mine = sum(best[(n, "this")] for n in table)
    total_theirs = sum(best[(n, "other")] for n in table)
    ratio = total_mine / total_theirs
    print(f"{'all cases':<32} {total_mine * 1e6:8.2f} {total_theirs * 1e6:8.2f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
