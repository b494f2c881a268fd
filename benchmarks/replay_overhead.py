"""Chain overhead: ``edgelab replay`` of 100,000 requests against the floor.

The replay: four trivial Python handlers (one per trigger) and a folder origin, a saved
traffic set in (Parquet) and a results file out, run as ``edgelab replay`` in this
process (``edgelab.cli.main``; interpreter start-up is not counted), twice: with the
handlers in-process (``isolated = false``: the fast path, which runs the rows in one
supervised child process) and isolated (worker processes: the default, safe against
hostile handlers). A third side, ``unsupervised``, is the in-process chain with no
supervising process: ``el.replay_to`` on a loaded distribution in this process (what a
notebook or a test calls, and what ``edgelab replay`` did before its worker was
supervised): the chain's own cost, the supervision's apart.

The floor (issue 13's definition): the same number of handler calls as the replay
actually made. For each row, the triggers that ran are read from the replay's results
(a ``*_outcome`` column that is set: viewer request and response on every request,
origin request and response only on a cache miss), and for each of them the floor
builds a fresh event (a ``copy.deepcopy`` of the trigger's template event with the
request's uri, query string, headers and client IP filled in) and calls the handler:
the least any emulator that gives each call its own event must do.

The checked floor: the same calls, each made as the replay makes it and checked as the
replay checks it (``Handler.invoke``: the event copy, context, outbound guard, log
capture, timeout and Lambda's JSON round trip of the result; then ``chain_outcome``, the
result against the rules), with nothing of the chain around the calls (no behaviour,
cache, origin, stage records, result rows or files). What the replay takes beyond it is
the chain's own work; what the checked floor takes beyond the floor is the checks'.

    uv run python benchmarks/replay_overhead.py [--n 100000] [--workers 1] [--rounds 1]
                                                [--one-edge] [--profile] [--no-isolated]
                                                [--before CHECKOUT ...]

Each side is timed in CPU seconds (this process and its children that ended: the
replay's supervised child, the isolated workers; the floor's own process time), which
other jobs on a shared machine disturb far less than wall time; the wall-clock rate is
printed beside it. ``--rounds R`` runs the sides (in-process, isolated, unsupervised,
floor) R times, alternating, and compares the least of each. ``--profile`` runs the in-process chain
once in this process under cProfile (``el.replay_to`` on a loaded distribution: the
same rows and stages the child process runs) and prints the 30 most expensive
functions.

``--before CHECKOUT`` adds another checkout of edgelab as a side, named by its folder
(repeat it for several; issue 10's "no slower than before": ``git worktree add /tmp/old
a837b34``, then ``--before /tmp/old``): the same traffic through its ``edgelab replay``
with in-process handlers (a checkout that does not know the ``isolated`` key gets the
plain configuration: it ran them in-process), in a child process whose CPU time is taken
around the command alone, its own children included (interpreter start-up and imports
are not counted, as for the other sides).

Prints the rates and their ratios (the checked floor's too), measured in one run.
Target (issue 13): the in-process replay within 2x of the floor's CPU time (the
like-for-like comparison: both call the same Python functions in one process); the
isolated ratio is printed beside it (each call is a round trip to a worker process, see
the README's Performance section).
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time
from pathlib import Path
from typing import Any

HANDLER = (
    "def handler(event, context):\n    cf = event['Records'][0]['cf']\n    "
    "return cf.get('response', cf['request'])\n"
)
TRIGGERS = (
    ("viewer-request", "vreq"),
    ("origin-request", "oreq"),
    ("origin-response", "oresp"),
    ("viewer-response", "vresp"),
)


def setup(root: Path, n: int, one_edge: bool = False) -> tuple[Path, Path, Path]:
    import edgelab as el

    (root / "handlers").mkdir()
    for _, name in TRIGGERS:
        (root / "handlers" / f"{name}.py").write_text(HANDLER)
    frame = el.generate_traffic("shop", n, seed=1)
    if one_edge:  # every viewer at one edge location: one cache per tier, as before tiers
        frame["edge_location"] = "IAD50-C1"
    site = root / "site"
    for uri in frame["uri"].cat.categories:  # every path exists: 200s, cached, VResp runs
        path = site / uri.lstrip("/")
        if uri.endswith("/"):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<h1>{uri}</h1>")
    config = root / "distribution.toml"
    body = (
        '[triggers]\nviewer-request = "handlers/vreq.py"\norigin-request = "handlers/oreq.py"\n'
        'origin-response = "handlers/oresp.py"\nviewer-response = "handlers/vresp.py"\n'
        '[origin]\ntype = "folder"\npath = "site"\n[cache]\ndefault_ttl = 3600\n'
    )
    config.write_text(body)
    fast = root / "in-process.toml"
    fast.write_text("[distribution]\nisolated = false\n" + body)
    traffic = root / "traffic.parquet"
    el.save_traffic(frame, traffic)
    return config, fast, traffic


def executed_triggers(results_path: Path) -> list[tuple[str, ...]]:
    """The triggers each row ran, in row order, read from a replay's results: a
    trigger ran when its ``*_outcome`` column is set."""
    import pandas as pd

    cols = ["row", *(f"{prefix}_outcome" for _, prefix in TRIGGERS)]
    frame = pd.read_parquet(results_path, columns=cols).sort_values("row")
    ran = {trig: frame[f"{prefix}_outcome"].notna().tolist() for trig, prefix in TRIGGERS}
    return [tuple(trig for trig, _ in TRIGGERS if ran[trig][k]) for k in range(len(frame))]


def request_rows(frame: Any, calls: list[tuple[str, ...]]) -> list[tuple[Any, ...]]:
    """Per row, what the floors fill an event with and the triggers it ran: (uri,
    querystring, user agent, cookie, client IP, triggers)."""
    return list(
        zip(
            frame["uri"].tolist(),
            frame["querystring"].tolist(),
            frame["user_agent"].tolist(),
            frame["cookie"].tolist(),
            frame["client_ip"].tolist(),
            calls,
            strict=True,
        )
    )


def floor(
    traffic_path: Path, handlers_dir: Path, calls: list[tuple[str, ...]]
) -> tuple[int, int, float]:
    """Per row and per trigger the replay ran: deep-copy the trigger's template event,
    fill it with the row's request, call the handler. (rows, calls, seconds)."""
    import edgelab as el
    from edgelab.runtimes.context import ContextInfo, LambdaContext

    frame = el.load_traffic(traffic_path)
    funcs: dict[str, Any] = {}
    templates = {}
    for trig, name in TRIGGERS:
        ns: dict[str, Any] = {}
        exec(compile((handlers_dir / f"{name}.py").read_text(), name, "exec"), ns)
        funcs[trig] = ns["handler"]
        templates[trig] = el.build_event(trig)
    ctx = LambdaContext(ContextInfo("handler", 128, 5.0))
    rows = request_rows(frame, calls)
    started = time.process_time()
    for uri, qs, ua, cookie, ip, triggers in rows:
        for trig in triggers:
            event = copy.deepcopy(templates[trig])
            req = event["Records"][0]["cf"]["request"]
            req["uri"], req["querystring"], req["clientIp"] = uri, qs, ip
            req["headers"]["user-agent"] = [{"key": "User-Agent", "value": ua}]
            if cookie:
                req["headers"]["cookie"] = [{"key": "Cookie", "value": cookie}]
            funcs[trig](event, ctx)
    took = time.process_time() - started
    return len(rows), sum(len(t) for t in calls), took


def checked_floor(
    traffic_path: Path, fast: Path, calls: list[tuple[str, ...]]
) -> tuple[int, int, float]:
    """The floor plus the checks a faithful emulator makes on every call, and nothing of
    the chain around them: per row and per trigger the replay ran, the trigger's
    template event filled with the row's request and handed to the function as
    ``edgelab`` hands it over (``Handler.invoke``: its own copy of the event, the context
    with a fresh request id, the outbound guard, log capture, the timeout, Lambda's JSON
    round trip of the result), then what CloudFront makes of the result
    (``chain_outcome``: the result checked against the rules, its header map normalised).
    No cache, no origin, no stage records, no result rows. (rows, calls, seconds)."""
    import edgelab as el
    from edgelab.runtimes.base import steady_files

    frame = el.load_traffic(traffic_path)
    dist = el.load_distribution(fast)
    try:
        bound = {t._value_: b for t, b in dist.default_behavior.bound.items()}
        templates = {trig: el.build_event(trig)["Records"][0]["cf"] for trig, _ in TRIGGERS}
        rules = dist.rules
        rows = request_rows(frame, calls)
        started = time.process_time()
        with steady_files():  # as the replay runs its rows (one block per piece)
            _checked_calls(rows, bound, templates, rules)
        took = time.process_time() - started
    finally:
        dist.close()
    return len(rows), sum(len(t) for t in calls), took


def _checked_calls(
    rows: list[tuple[Any, ...]], bound: dict[str, Any], templates: dict[str, Any], rules: Any
) -> None:
    from edgelab.rules.outcome import chain_outcome
    from edgelab.runtimes.base import Call
    from edgelab.runtimes.context import ContextInfo, new_aws_request_id

    for uri, qs, ua, cookie, ip, triggers in rows:
        for trig in triggers:
            b, cf = bound[trig], templates[trig]
            req = cf["request"]
            req["uri"], req["querystring"], req["clientIp"] = uri, qs, ip
            req["headers"]["user-agent"] = [{"key": "User-Agent", "value": ua}]
            if cookie:
                req["headers"]["cookie"] = [{"key": "Cookie", "value": cookie}]
            else:
                req["headers"].pop("cookie", None)
            info = ContextInfo(
                b.handler.function_name,
                b.memory_mb,
                b.timeout_s,
                "1",
                new_aws_request_id(),
                b.container_id,
            )
            raw = b.handler.invoke(Call({"Records": [{"cf": cf}]}, info))
            if chain_outcome(raw, b.trigger, cf, rules)[0] == "error":
                raise SystemExit(f"checked floor: {trig} failed: {raw.error_message}")


#: run in the other checkout's interpreter: ``edgelab replay ARGS``, then the CPU time it
#: took (this process and its children that ended) and its wall time on the last line
_BEFORE = (
    "import os, sys, time\n"
    "from edgelab.cli import main\n"
    "t, w = os.times(), time.perf_counter()\n"
    "assert main(sys.argv[1:]) == 0\n"
    "u, w = os.times(), time.perf_counter() - w\n"
    "print(sum(u[:4]) - sum(t[:4]), w)\n"
)


def before_side(
    checkout: Path, traffic: Path, configs: tuple[Path, Path], out: Path
) -> tuple[float, float]:
    """(CPU s, wall s) of ``edgelab replay`` in ``checkout`` (its own package first on
    the path), around the command: with the in-process configuration, or the plain one
    where the checkout does not know the ``isolated`` key (it then ran in-process)."""
    done = _replay_in(checkout, traffic, configs[0], out)
    if done.returncode != 0:
        done = _replay_in(checkout, traffic, configs[1], out)
    if done.returncode != 0:
        raise SystemExit(f"the replay in {checkout} failed:\n{done.stderr[-2000:]}")
    cpu, wall = done.stdout.strip().splitlines()[-1].split()
    return float(cpu), float(wall)


def _replay_in(checkout: Path, traffic: Path, config: Path, out: Path) -> Any:
    import subprocess
    import sys

    argv = [sys.executable, "-c", _BEFORE, "replay", str(traffic), "--config", str(config)]
    argv += ["--out", str(out), "--no-progress"]
    env = dict(os.environ, PYTHONPATH=str(checkout))
    return subprocess.run(argv, env=env, cwd=checkout, capture_output=True, text=True)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the replay's
    supervised child, isolated workers): less disturbed by other jobs than wall time."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def unsupervised(fast: Path, traffic: Path, out: Path) -> None:
    """The in-process chain in this process, with no supervising process around it."""
    import edgelab as el

    dist = el.load_distribution(fast)
    try:
        el.replay_to(dist, traffic, out, progress=False)
    finally:
        dist.close()


def profile(fast: Path, traffic: Path, out: Path) -> None:
    """The in-process chain, in this process, under cProfile."""
    import cProfile
    import pstats

    import edgelab as el

    dist = el.load_distribution(fast)
    prof = cProfile.Profile()
    try:
        prof.runcall(el.replay_to, dist, traffic, out, progress=False)
    finally:
        dist.close()
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1, help="alternate the sides R times")
    ap.add_argument("--profile", action="store_true", help="cProfile the in-process chain")
    ap.add_argument("--no-isolated", action="store_true", help="the in-process replay only")
    ap.add_argument(
        "--before",
        type=Path,
        action="append",
        default=[],
        metavar="CHECKOUT",
        help="another checkout of edgelab as a side (for example a837b34 in a git worktree)",
    )
    ap.add_argument(
        "--one-edge",
        action="store_true",
        help="every request at one edge location (the chain's own cost, without the "
        "extra misses of one cache per edge location)",
    )
    args = ap.parse_args()
    from edgelab.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config, fast, traffic = setup(root, args.n, args.one_edge)
        if args.profile:
            profile(fast, traffic, root / "profiled.parquet")
            return
        sides = [("in-process", fast)] + ([] if args.no_isolated else [("isolated", config)])
        took: dict[str, list[float]] = {mode: [] for mode, _ in sides}
        took["unsupervised"] = []
        took["floor"] = []
        took["checked floor"] = []
        used: dict[str, list[float]] = {mode: [] for mode in took}
        calls: list[tuple[str, ...]] = []
        n_calls = 0
        for _ in range(max(1, args.rounds)):
            for mode, cfg in sides:
                out = root / f"results-{mode}.parquet"
                argv = [
                    *("replay", str(traffic), "--config", str(cfg), "--out", str(out)),
                    *("--workers", str(args.workers), "--no-progress"),
                ]
                started, cpu = time.perf_counter(), cpu_seconds()
                assert cli(argv) == 0
                took[mode].append(time.perf_counter() - started)
                used[mode].append(cpu_seconds() - cpu)
                ran = executed_triggers(out)
                if calls and ran != calls:  # cache hits are deterministic: a bug if not
                    raise SystemExit(f"{mode}: the replay ran other triggers than before")
                calls = ran
            out = root / "results-unsupervised.parquet"
            started, cpu = time.perf_counter(), cpu_seconds()
            unsupervised(fast, traffic, out)
            took["unsupervised"].append(time.perf_counter() - started)
            used["unsupervised"].append(cpu_seconds() - cpu)
            if executed_triggers(out) != calls:
                raise SystemExit("unsupervised: the replay ran other triggers than the CLI")
            for checkout in args.before:
                cpu, wall = before_side(
                    checkout.resolve(), traffic, (fast, config), root / "results-before.parquet"
                )
                used.setdefault(str(checkout), []).append(cpu)
                took.setdefault(str(checkout), []).append(wall)
            started = time.perf_counter()
            _, n_calls, t = floor(traffic, root / "handlers", calls)
            took["floor"].append(time.perf_counter() - started)
            used["floor"].append(t)
            started = time.perf_counter()
            _, _, t = checked_floor(traffic, fast, calls)
            took["checked floor"].append(time.perf_counter() - started)
            used["checked floor"].append(t)
    best = {mode: min(times) for mode, times in took.items()}
    least = {mode: min(times) for mode, times in used.items()}
    print()
    for mode in [m for m in took if "floor" not in m]:
        rate = args.n / best[mode]
        print(
            f"replay {mode:10}: {args.n:,} requests in {best[mode]:.2f} s = {rate:,.0f} req/s "
            f"(workers={args.workers}; traffic file in, results file out); "
            f"{least[mode]:.2f} CPU s = {args.n / least[mode]:,.0f} req/CPU s; "
            f"{least[mode] / least['floor']:.2f}x the floor's CPU time"
        )
    for checkout in map(str, args.before):
        print(
            f"before           : {checkout} takes {least[checkout]:.2f} CPU s; in-process "
            f"takes {least['in-process'] / least[checkout]:.2f}x that, unsupervised "
            f"{least['unsupervised'] / least[checkout]:.2f}x"
        )
    print(
        f"floor            : {args.n:,} requests, {n_calls:,} handler calls "
        f"({n_calls / args.n:.2f} per request, as the replay made) in {least['floor']:.2f} "
        f"CPU s = {args.n / least['floor']:,.0f} req/s (deepcopy template event + call)"
    )
    checked = least["checked floor"]
    print(
        f"checked floor    : the same calls with the checks every call gets in {checked:.2f} "
        f"CPU s ({checked / least['floor']:.2f}x the floor; the in-process replay takes "
        f"{least['in-process'] / checked:.2f}x this, unsupervised "
        f"{least['unsupervised'] / checked:.2f}x)"
    )
    if args.rounds > 1:
        for mode, times in used.items():
            print(f"  {mode:10} rounds (CPU s): {', '.join(f'{t:.2f}' for t in times)}")
    ratio = least["in-process"] / least["floor"]
    isolated = (
        f"; isolated takes {best['isolated'] / best['in-process']:.2f}x the in-process wall time"
        if "isolated" in best
        else ""
    )
    print(
        f"target           : in-process <= 2x the floor's CPU time: {ratio:.2f}x "
        f"({'met' if ratio <= 2 else 'missed'}){isolated}"
    )


if __name__ == "__main__":
    main()
