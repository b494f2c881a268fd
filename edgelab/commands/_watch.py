"""``--watch``: run a command again whenever one of its files changes.

Files are polled (modification time and size) every :data:`INTERVAL_S`; a change is
acted on once the files have stayed the same for one more poll, so an editor's save in
several writes gives one rerun. Each rerun starts with a separator line naming what
changed; an error in a run (a handler with a syntax error, a broken config) is printed
and the watch goes on; Ctrl-C ends it with exit status 0.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import EdgelabError

INTERVAL_S = 0.25
SOURCE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".json", ".toml")


def handler_files(spec: str) -> list[Path]:
    """The file a handler spec names and the source files beside it (its own modules)."""
    target = spec
    head, sep, tail = spec.rpartition(":")
    if sep and head and not tail.endswith(SOURCE_SUFFIXES) and "/" not in tail:
        target = head
    path = Path(target)
    if not path.suffix:
        return []
    folder = path.resolve().parent
    beside = sorted(p for p in folder.glob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file())
    return [path.resolve(), *beside]


def _stamps(paths: Iterable[Path]) -> dict[Path, tuple[int, int] | None]:
    out: dict[Path, tuple[int, int] | None] = {}
    for p in paths:
        try:
            st = p.stat()
            out[p] = (st.st_mtime_ns, st.st_size)
        except OSError:
            out[p] = None
    return out


def watch(
    files: Callable[[], Iterable[Path]],
    run: Callable[[], Any],
    *,
    out: Any = None,
    interval_s: float = INTERVAL_S,
) -> int:
    """Run ``run()``, then again whenever one of ``files()`` changes, until Ctrl-C."""
    out = out or sys.stdout
    runs = 0

    def once() -> None:
        nonlocal runs
        runs += 1
        try:
            run()
        except EdgelabError as exc:
            print(f"edgelab: error: {exc}", file=sys.stderr, flush=True)
        print(f"[edgelab: watching {len(seen)} files; Ctrl-C to stop]", file=sys.stderr, flush=True)

    try:
        seen = _stamps(files())
        once()
        while True:
            time.sleep(interval_s)
            now = _stamps(files())
            if now == seen:
                continue
            while True:  # settle: act once the files stop changing
                time.sleep(interval_s)
                settled = _stamps(files())
                if settled == now:
                    break
                now = settled
            changed = sorted(str(p.name) for p in set(now) | set(seen) if now.get(p) != seen.get(p))
            seen = now
            out.write(f"\n--- edgelab: {', '.join(changed)} changed; run {runs + 1} ---\n")
            out.flush()
            once()
            # files the run made relevant start from now; the others keep their stamps
            # from before the run, so an edit made while it ran gives another run
            seen = {p: now.get(p, stamp) for p, stamp in _stamps(files()).items()}
    except KeyboardInterrupt:
        return 0
