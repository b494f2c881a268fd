"""What a response headers policy and a staging copy cost per request.

Three distributions with one behaviour, no functions and a mapping origin, sent the same
cached request ``--n`` times (hits: the cheapest path, where the extra stages weigh the
most): without a policy; with the managed CORS-and-SecurityHeadersPolicy plus a custom
policy's Server-Timing at 100 % (CORS matched for every request); and with a
continuous deployment policy (weight 0.15, sticky sessions) in front.

    uv run python benchmarks/response_headers.py [--n 20000]

Prints the rates and their ratios to the bare distribution, measured in one run. Target:
each ratio >= 0.5 (a policy at most doubles the cost of a hit).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

HEADERS = {"Origin": "https://app.example", "Accept-Encoding": "gzip"}


def build() -> dict[str, object]:
    import edgelab as el
    from edgelab.definitions import managed
    from edgelab.definitions.model import (
        ContinuousDeploymentPolicy,
        ServerTiming,
        SessionStickiness,
    )
    from edgelab.edge.deployment import Router, Staging

    origin = el.MappingOrigin({"/": (200, "hello", {"Cache-Control": "max-age=3600"})})
    policy = replace(
        managed.lookup("response_headers", "CORS-and-SecurityHeadersPolicy"),
        server_timing=ServerTiming(True, 100),
    )

    def dist(**kw: object) -> el.Distribution:
        return el.Distribution(
            behaviors=[el.CacheBehavior("*", "o", **kw)],  # type: ignore[arg-type]
            origins={"o": origin},
        )

    staged = el.Distribution(origin=origin)
    cd = ContinuousDeploymentPolicy(
        "cd", True, "SingleWeight", weight=0.15, session_stickiness=SessionStickiness(300, 900)
    )
    return {
        "bare": dist(),
        "policy": dist(response_headers_policy=policy),
        "staging": el.Distribution(origin=origin, staging=Staging(staged, Router(cd))),
    }


def rate(dist: object, n: int) -> float:
    request = dist.request  # type: ignore[attr-defined]
    request("/", headers=HEADERS)
    t0 = time.perf_counter()
    for _ in range(n):
        request("/", headers=HEADERS)
    return n / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    n = parser.parse_args().n
    dists = build()
    rates = {name: rate(d, n) for name, d in dists.items()}
    for name, r in rates.items():
        print(f"{name:8s} {r:10,.0f} req/s   ratio to bare {r / rates['bare']:.2f}")


if __name__ == "__main__":
    main()
