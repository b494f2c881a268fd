"""Chain overhead: ``edgelab replay`` of 100,000 requests against the floor.

The replay: four trivial Python handlers (one per trigger) and a folder origin, a saved
traffic set in (Parquet) and a results file out, run as ``edgelab replay`` in this
process (``edgelab.cli.main``; interpreter start-up is not counted), twice: with the
handlers isolated (worker processes: the default, safe against hostile handlers) and
in-process (``isolated = false``: the fast path).

The floor: for each request and each of the four triggers, build a fresh event (a deep
copy of a template event with the request's uri, query string, headers and client IP
filled in) and call the handler: the least any emulator must do. (The chain calls
OReq/OResp only on cache misses, so on a cached workload it calls fewer handlers than
the floor.)

    uv run python benchmarks/replay_overhead.py [--n 100000] [--workers 1] [--one-edge]

Prints the rates and their ratios, measured in one run. Targets: ratio <= 3 and >=
20,000 requests per second on one core.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

HANDLER = (
    "def handler(event, context):\n    cf = event['Records'][0]['cf']\n    "
    "return cf.get('response', cf['request'])\n"
)


def setup(root: Path, n: int, one_edge: bool = False) -> tuple[Path, Path, Path]:
    import edgelab as el

    (root / "handlers").mkdir()
    for name in ("vreq", "oreq", "oresp", "vresp"):
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


def floor(traffic_path: Path, handlers_dir: Path) -> tuple[int, float]:
    """Deep-copy a template event per request and trigger, fill it, call the handler."""
    import edgelab as el
    from edgelab.runtimes.context import ContextInfo, LambdaContext
    from edgelab.runtimes.python import InProcessPython  # noqa: F401  (same loader)

    frame = el.load_traffic(traffic_path)
    funcs = {}
    templates = {}
    for trig, name in (
        ("viewer-request", "vreq"),
        ("origin-request", "oreq"),
        ("origin-response", "oresp"),
        ("viewer-response", "vresp"),
    ):
        ns: dict = {}
        exec(compile((handlers_dir / f"{name}.py").read_text(), name, "exec"), ns)
        funcs[trig] = ns["handler"]
        templates[trig] = el.build_event(trig)
    ctx = LambdaContext(ContextInfo("handler", 128, 5.0))
    rows = list(
        zip(
            frame["uri"].tolist(),
            frame["querystring"].tolist(),
            frame["user_agent"].tolist(),
            frame["cookie"].tolist(),
            frame["client_ip"].tolist(),
            strict=True,
        )
    )
    started = time.perf_counter()
    for uri, qs, ua, cookie, ip in rows:
        for trig, fn in funcs.items():
            event = copy.deepcopy(templates[trig])
            req = event["Records"][0]["cf"]["request"]
            req["uri"], req["querystring"], req["clientIp"] = uri, qs, ip
            req["headers"]["user-agent"] = [{"key": "User-Agent", "value": ua}]
            if cookie:
                req["headers"]["cookie"] = [{"key": "Cookie", "value": cookie}]
            fn(event, ctx)
    return len(rows), time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="cProfile the replay")
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
        out = root / "results.parquet"
        took = {}
        for mode, cfg in (("in-process", fast), ("isolated", config)):
            argv = [
                "replay",
                str(traffic),
                "--config",
                str(cfg),
                "--out",
                str(out),
                "--workers",
                str(args.workers),
                "--no-progress",
            ]
            started = time.perf_counter()
            if args.profile:
                import cProfile
                import pstats

                cProfile.runctx("cli(argv)", globals(), {"cli": cli, "argv": argv}, str(root / "p"))
                pstats.Stats(str(root / "p")).sort_stats("tottime").print_stats(25)
            else:
                assert cli(argv) == 0
            took[mode] = time.perf_counter() - started
        n_floor, took_floor = floor(traffic, root / "handlers")
    floor_rate = n_floor / took_floor
    for mode in took:
        rate = args.n / took[mode]
        print(
            f"replay {mode:10}: {args.n:,} requests in {took[mode]:.2f} s = {rate:,.0f} req/s "
            f"(workers={args.workers}; traffic file in, results file out); "
            f"{floor_rate / rate:.2f}x the floor's time"
        )
    print(
        f"floor            : {n_floor:,} requests in {took_floor:.2f} s = {floor_rate:,.0f} "
        "req/s (deepcopy template event + call, 4 triggers per request)"
    )
    print(
        f"isolation costs  : isolated takes {took['isolated'] / took['in-process']:.2f}x the "
        "in-process time; target: in-process <= 3x the floor, 20,000 req/s"
    )


if __name__ == "__main__":
    main()
