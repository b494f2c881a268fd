"""CloudFront Functions (``cloudfront-js-1.0``, ``cloudfront-js-2.0``), run unmodified in
a sandboxed ``node`` worker (``cloudfront_worker.mjs``; facts §1).

:class:`CloudFrontFunctionHandler` is the handler object the CLI, ``edgelab.invoke`` and the
chain use: load a file once (its size and language are checked then, as CloudFront checks
them when a function is created), then ``invoke(event)`` or ``invoke_many(events)`` as
often as needed; each returns a :class:`~edgelab.cloudfront_functions.FunctionResult`
with CloudFront's outcome.

    fn = CloudFrontFunctionHandler("redirect.js", "cloudfront-js-2.0", kvs="kvs.json")
    result = fn.invoke(el.build_cff_event("viewer-request", uri="/old"))
    result.outcome, result.status, result.compute_utilization, result.origin_changes

The worker process stays up between calls and takes a batch per round trip
(``worker.WorkerProcess``, edgelab's private protocol: requests and answers on private
pipes, each answer carrying its request's nonce and the worker's pid, the messages
written with ``jsonwire``'s encoders); a run that never finishes is stopped by killing it
at the ``stop-after`` deadline, and the next call gets a new one. The function itself
runs in a vm realm of its own inside that worker and cannot reach the protocol at all;
its logs are CloudFront's log-size, never more than edgelab's per-call cap
(``runtimes.base.MAX_LOGS``).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cloudfront_functions.event import (
    LoadedCffEvent,
    load_cff_event,
    querystring_to_string,
)
from ..cloudfront_functions.features import check_runtime, sandbox_spec
from ..cloudfront_functions.kvs import KeyValueStoreData, load_kvs
from ..cloudfront_functions.limits import get_cff_rules, limit
from ..cloudfront_functions.result import FunctionResult, decide_cff, log_cap
from ..errors import ConfigError, HandlerLoadError
from ..rules.tables import RuleSet
from ..triggers import Trigger
from . import jsonwire, protocol
from .base import Call, RawResult, file_stamp
from .context import ContextInfo, new_request_id
from .nodefind import find_node
from .worker import WorkerDied, WorkerProcess, WorkerTimeout, run_calls

WORKER_JS = Path(__file__).with_name("cloudfront_worker.mjs")
# Node's heap for the worker (the sandbox, its runtime library and up to a 5 MB store);
# a runaway allocation ends the worker, a 503 like any MemoryError.
WORKER_HEAP_MB = 128
DEFAULT_EDGE = {"name": "IAD", "serverIp": "198.51.100.10", "region": "us-east-1"}
_UNSET: Any = object()


def parse_edge_location(value: str | Mapping[str, str] | None) -> dict[str, str]:
    """``cf.edgeLocation`` (facts §5.2) from a dict, an edge location code such as
    ``"SEA19-C1"`` (its first three letters are the IATA code) or None (IAD)."""
    if value is None:
        return dict(DEFAULT_EDGE)
    if isinstance(value, Mapping):
        return {**DEFAULT_EDGE, **{str(k): str(v) for k, v in value.items()}}
    code = str(value).strip()
    if not re.match(r"^[A-Za-z]{3}", code):
        raise ConfigError(
            f"edge location must be a code starting with a 3-letter IATA code, "
            f"such as SEA19-C1, or a {{name, serverIp, region}} dict; got "
            f"{value!r}",
            key="edge_location",
        )
    return {**DEFAULT_EDGE, "name": code[:3].upper()}


def _seed(now_ms: int, request_id: str) -> list[int]:
    digest = hashlib.blake2b(f"{now_ms}:{request_id}".encode(), digest_size=16).digest()
    return [int.from_bytes(digest[i : i + 4], "little", signed=True) for i in range(0, 16, 4)]


@dataclass
class _Run:
    """One prepared run: the message for the worker and what deciding it needs."""

    loaded: LoadedCffEvent
    call_json: str
    kvs: KeyValueStoreData | None
    recheck_ms: float


class CloudFrontFunctionHandler:
    """A CloudFront Function file loaded in a sandboxed ``node`` worker."""

    language = "cloudfront-js"

    def __init__(
        self,
        path: str | Path,
        runtime: str = "cloudfront-js-2.0",
        *,
        rules: RuleSet | str | None = None,
        kvs: Any = None,
        origins: Sequence[str] | None = None,
        edge_location: str | Mapping[str, str] | None = None,
    ) -> None:
        self.runtime = check_runtime(runtime)
        self.spec = str(path)
        self.path = Path(path).resolve()
        if not self.path.is_file():
            raise HandlerLoadError(
                f"CloudFront Function file {str(path)!r} does not exist or is "
                "not a file; give the path of a .js file that declares "
                "function handler(event)",
                spec=self.spec,
            )
        self.rules = get_cff_rules(rules)
        self.kvs = load_kvs(kvs, rules=self.rules)
        self.origins = list(origins) if origins is not None else None
        self.edge_location = parse_edge_location(edge_location)
        self.function_name = re.sub(r"[^A-Za-z0-9_-]", "-", self.path.stem)[:64] or "function"
        self._check_size()  # refused before Node is even looked for
        self.node = find_node()  # RuntimeUnavailable, with how to get Node, if none
        self._worker: WorkerProcess | None = None
        self._kvs_sent: set[tuple[int, str]] = set()
        self._stamp = file_stamp(self.path)
        self._load()

    # -- loading ------------------------------------------------------------------------
    def _check_size(self) -> None:
        size = self.path.stat().st_size
        allowed = limit(self.rules, "function-size")
        if size > allowed:
            raise HandlerLoadError(
                f"CloudFront Function {self.spec!r} is {size:,} bytes; a function is at most "
                f"{allowed:,.0f} bytes of source, comments included (facts §8). CloudFront "
                "refuses it with FunctionSizeLimitExceeded: make it smaller, or move data to a "
                "KeyValueStore",
                spec=self.spec,
            )

    def _load(self) -> None:
        """Start the worker, which parses the file; refuse it as CloudFront would."""
        self._check_size()
        self.close()
        env = {"PATH": os.environ.get("PATH", ""), "TZ": "UTC", "LANG": "C.UTF-8"}
        spec = jsonwire.dumps(sandbox_spec(self.runtime))
        argv = [
            self.node,
            f"--max-old-space-size={WORKER_HEAP_MB}",
            "--no-warnings",
            str(WORKER_JS),
            str(self.path),
            spec,
        ]
        # The protocol's private pipes and nonces are the worker's own business
        # (runtimes/worker.py); the function inside the sandbox cannot reach them.
        self._worker = WorkerProcess(argv, env=env, cwd=str(self.path.parent))
        self._kvs_sent.clear()
        try:
            self._worker.start()
        except (WorkerDied, WorkerTimeout) as exc:
            tail = getattr(exc, "stderr_tail", "") or str(exc)
            self.close()
            raise HandlerLoadError(
                f"CloudFront Function {self.spec!r} could not be loaded: the "
                f"sandbox worker stopped ({tail.strip()[-300:]})",
                spec=self.spec,
            ) from None
        load = protocol.hello_load(self._worker.hello)
        if not load.get("ok"):
            problems = load.get("problems") or []
            self.close()
            shown = "; ".join(p["message"] for p in problems[:12])
            more = f"; and {len(problems) - 12} more" if len(problems) > 12 else ""
            raise HandlerLoadError(
                f"CloudFront Function {self.spec!r} is not valid {self.runtime} (CloudFront "
                f"refuses it when it is created; facts §1): {shown}{more}",
                spec=self.spec,
            )
        self.node_version = protocol.hello_node(self._worker.hello)

    def _refresh(self) -> None:
        """An edited file is a new function: check and load it again."""
        stamp = file_stamp(self.path)
        if stamp != self._stamp:
            self._stamp = stamp
            if stamp is None:
                raise HandlerLoadError(
                    f"CloudFront Function file {self.spec!r} is gone", spec=self.spec
                )
            self._load()

    # -- running ------------------------------------------------------------------------
    def _prepare(
        self,
        event: Any,
        *,
        trigger: Trigger | str | None,
        rules: RuleSet,
        kvs: KeyValueStoreData | None,
        now: float | None,
        request_id: str | None,
        raw_querystring: Any,
        edge: Mapping[str, str],
    ) -> _Run:
        loaded = load_cff_event(event, trigger=trigger)
        ev = loaded.event
        if request_id:
            ev["context"]["requestId"] = request_id
        raw = raw_querystring if raw_querystring is not _UNSET else loaded.raw_querystring
        if raw is None and raw_querystring is _UNSET:
            qs = ev["request"].get("querystring")
            raw = querystring_to_string(qs) if qs else None
        now_ms = round((time.time() if now is None else float(now)) * 1000)
        rid = ev["context"].get("requestId") or new_request_id()
        call = {
            "event": jsonwire.dumps(ev),
            "trigger": loaded.trigger.value,
            "now": now_ms,
            "seed": _seed(now_ms, rid),
            "rawQs": raw,
            "edge": dict(edge),
            "logMax": log_cap(rules, loaded.trigger),
            "logDataMax": int(limit(rules, "log-custom-data", loaded.trigger)),
        }
        recheck = limit(rules, "compute-budget", loaded.trigger) / 2
        return _Run(loaded, jsonwire.dumps(call), kvs, recheck)

    def _encode(self, call: Call) -> dict[str, Any]:
        run: _Run = call.event["prepared"]
        kvs_data = None
        if run.kvs is not None:
            worker = self._worker
            assert worker is not None
            start = worker.starts if worker.alive else worker.starts + 1
            if (start, run.kvs.digest) not in self._kvs_sent:
                self._kvs_sent.add((start, run.kvs.digest))
                kvs_data = jsonwire.dumps(run.kvs.to_worker())
        return protocol.run_request(
            run.call_json,
            kvs=run.kvs.digest if run.kvs else "",
            recheck_ms=run.recheck_ms,
            kvs_data=kvs_data,
        )

    def run_many(self, runs: Sequence[_Run], *, stop_ms: float) -> list[RawResult]:
        """Run prepared runs in the worker: one :class:`RawResult` each, whatever happens."""
        if self._worker is None:
            self._load()
        assert self._worker is not None
        info = ContextInfo(
            function_name=self.function_name,
            memory_limit_in_mb=WORKER_HEAP_MB,
            timeout_s=stop_ms / 1000,
        )
        calls = [Call({"prepared": r}, info) for r in runs]
        return run_calls(
            self._worker,
            calls,
            encode=self._encode,
            timeout_text=lambda c: f"the function did not finish within {stop_ms:g} ms",
            crashed=self._crash,
        )

    @staticmethod
    def _crash(exc: WorkerDied, started: float) -> RawResult:
        lines = [ln.strip() for ln in exc.stderr_tail.splitlines() if ln.strip()]
        words = next(
            (ln for ln in lines if "heap out of memory" in ln or "FATAL" in ln),
            lines[-1] if lines else "",
        )
        what = (
            "MemoryError: the run ran the sandbox out of memory"
            if "memory" in words
            else f"the sandbox worker exited (code {exc.returncode})"
        )
        return RawResult(
            "crash",
            None,
            "FunctionExecutionError",
            f"{what}{': ' + words if words and 'memory' not in what else ''}",
            logs="",
            duration_ms=(time.monotonic() - started) * 1000,
        )

    def invoke_many(
        self,
        events: Sequence[Any],
        *,
        trigger: Trigger | str | None = None,
        rules: RuleSet | str | None = None,
        kvs: Any = _UNSET,
        origins: Sequence[str] | Any | None = _UNSET,
        now: float | None = None,
        request_ids: Sequence[str | None] | None = None,
        raw_querystring: Any = _UNSET,
        edge_location: str | Mapping[str, str] | Any | None = _UNSET,
    ) -> list[FunctionResult]:
        """:meth:`invoke` for many events: one result per event, in order."""
        self._refresh()
        ruleset = self.rules if rules is None else get_cff_rules(rules)
        store = self.kvs if kvs is _UNSET else load_kvs(kvs, rules=ruleset)
        origin_ids = (
            self.origins if origins is _UNSET else (list(origins) if origins is not None else None)
        )
        edge = self.edge_location if edge_location is _UNSET else parse_edge_location(edge_location)
        runs = [
            self._prepare(
                e,
                trigger=trigger,
                rules=ruleset,
                kvs=store,
                now=now,
                request_id=(request_ids[i] if request_ids else None),
                raw_querystring=raw_querystring,
                edge=edge,
            )
            for i, e in enumerate(events)
        ]
        stop = max((limit(ruleset, "stop-after", r.loaded.trigger) for r in runs), default=1000)
        raws = self.run_many(runs, stop_ms=stop)
        results = []
        for run, raw in zip(runs, raws, strict=True):
            res = decide_cff(
                raw,
                trigger=run.loaded.trigger,
                event=run.loaded.event,
                rules=ruleset,
                runtime=self.runtime,
                origins=origin_ids,
            )
            res.notes = [*run.loaded.notes, *res.notes]
            results.append(res)
        return results

    def invoke(
        self,
        event: Any,
        *,
        trigger: Trigger | str | None = None,
        rules: RuleSet | str | None = None,
        kvs: Any = _UNSET,
        origins: Sequence[str] | Any | None = _UNSET,
        now: float | None = None,
        request_id: str | None = None,
        raw_querystring: Any = _UNSET,
        edge_location: str | Mapping[str, str] | Any | None = _UNSET,
    ) -> FunctionResult:
        """Run the function on ``event`` and decide what CloudFront does with the result.

        ``event`` is a CloudFront Functions event (dict, path or LoadedCffEvent) or a
        Lambda@Edge one (converted, with a note). ``kvs``, ``origins`` (the
        distribution's origin ids, for the origin helpers) and ``edge_location`` default
        to the function's own; ``now`` (seconds since the epoch) is the run's frozen
        time; ``raw_querystring`` is what ``request.rawQueryString()`` returns (a string,
        or None for no query string). Never raises for anything the function does.
        """
        return self.invoke_many(
            [event],
            trigger=trigger,
            rules=rules,
            kvs=kvs,
            origins=origins,
            now=now,
            request_ids=[request_id] if request_id else None,
            raw_querystring=raw_querystring,
            edge_location=edge_location,
        )[0]

    # -- life cycle ---------------------------------------------------------------------
    def reset(self) -> None:
        """A fresh worker for the next call (state never persists between runs anyway)."""
        if self._worker is not None:
            self._worker.kill()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.kill()
        self._worker = None

    def __enter__(self) -> CloudFrontFunctionHandler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<CloudFrontFunctionHandler {self.spec!r} {self.runtime}>"


def load_cloudfront_function(
    path: str | Path, runtime: str = "cloudfront-js-2.0", **options: Any
) -> CloudFrontFunctionHandler:
    """A loaded :class:`CloudFrontFunctionHandler` (options: ``rules``, ``kvs``,
    ``origins``, ``edge_location``); raises HandlerLoadError for a file CloudFront would
    refuse."""
    return CloudFrontFunctionHandler(path, runtime, **options)
