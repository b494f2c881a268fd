"""edgelab's worker protocol, the Python side: every message built and checked here.

The protocol is one JSON Schema, ``protocol.json`` beside this module: each message (the
requests ``load``, ``invoke`` and ``run``; the answers ``ready``, ``loaded``, ``result``
and ``retry``) with its fields and their types, and the framing (the nonce field, the
environment variables naming the private pipes). This module loads it once and is the
only Python code that spells a message's field names: the parent (``worker.py`` and the
runtimes) builds requests and reads answers through it, the isolated Python worker
(``pyworker.py``) builds its answers through it, and the Node.js workers build theirs
through ``protocol.mjs``, which reads the same file.

The parent checks every answer it accepts (:func:`check_answer`): the kind is found from
its ``status`` and each field it carries must have the schema's type. That is a dict
lookup and an ``isinstance`` per field, no general validator per call. A malformed answer
becomes the failure a non-object answer always was, a ``Runtime.BadAnswer`` error naming
what was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import RawResult, RawStatus

SCHEMA_PATH = Path(__file__).with_name("protocol.json")
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

_FRAMING = SCHEMA["x-framing"]
#: The field every request carries its nonce in.
NONCE: str = _FRAMING["nonce"]
#: The variable naming the private pipes (``<request fd>,<answer fd>``).
FDS_ENV: str = _FRAMING["env"]["fds"]
#: The variable holding the nonce the worker's ``ready`` line answers.
HELLO_ENV: str = _FRAMING["env"]["hello"]

# JSON's types as the decoder makes them: exact types (a bool is not a number).
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}
Types = frozenset[type]


@dataclass(frozen=True)
class Message:
    """One message of the schema: its fields in order, the required ones, each field's
    Python types (None: any value) and constant, and its status values (answers)."""

    name: str
    direction: str
    workers: tuple[str, ...]
    fields: tuple[str, ...]
    required: frozenset[str]
    types: Mapping[str, Types | None]
    consts: Mapping[str, Any]
    statuses: tuple[str, ...]


def _types(prop: Mapping[str, Any]) -> Types | None:
    if "const" in prop:
        return frozenset({type(prop["const"])})
    if "enum" in prop:
        return frozenset({type(v) for v in prop["enum"]})
    kind = prop.get("type")
    if kind is None:
        return None
    names = [kind] if isinstance(kind, str) else list(kind)
    return frozenset(t for name in names for t in _JSON_TYPES[name])


def _message(name: str, spec: Mapping[str, Any]) -> Message:
    props: Mapping[str, Any] = spec["properties"]
    consts = {k: p["const"] for k, p in props.items() if "const" in p}
    status = props.get("status", {})
    statuses = (status["const"],) if "const" in status else tuple(status.get("enum", ()))
    return Message(
        name=name,
        direction=spec["x-direction"],
        workers=tuple(spec["x-workers"]),
        fields=tuple(props),
        required=frozenset(spec.get("required", ())),
        types={k: _types(p) for k, p in props.items()},
        consts=consts,
        statuses=statuses,
    )


MESSAGES: dict[str, Message] = {n: _message(n, s) for n, s in SCHEMA["$defs"].items()}
REQUESTS = {n: m for n, m in MESSAGES.items() if m.direction == "request"}
ANSWERS = {n: m for n, m in MESSAGES.items() if m.direction == "answer"}
#: An answer's kind, from its ``status``.
KIND_OF_STATUS: dict[str, Message] = {s: m for m in ANSWERS.values() for s in m.statuses}


class ProtocolMisuse(TypeError):
    """edgelab's own code built a message the schema does not have (a bug, not input)."""


def _build(message: Message, fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = [k for k in fields if k not in message.types]
    missing = message.required - set(fields) - set(message.consts) - {NONCE}
    if unknown or missing:
        raise ProtocolMisuse(
            f"protocol message {message.name!r}: unknown fields {unknown}, "
            f"missing {sorted(missing)}"
        )
    kept = {k: v for k, v in fields.items() if v is not None or _nullable(message.types[k])}
    return {**message.consts, **kept}


def _nullable(types: Types | None) -> bool:
    return types is None or type(None) in types


# -- requests (the parent) ---------------------------------------------------------------
def load_request(spec: str) -> dict[str, Any]:
    """Python's init phase: import the handler ``spec``."""
    return _build(REQUESTS["load"], {"spec": spec})


def invoke_request(
    event: Any, context: Mapping[str, Any], *, spec: str | None = None
) -> dict[str, Any]:
    """One call of a Lambda@Edge function (``spec``: Python's handler).

    Built directly, not through the field check: this is the one request of every call
    (the tests check it against the schema)."""
    message = {"op": "invoke", "event": event, "context": context}
    if spec is not None:
        message["spec"] = spec
    return message


def run_request(
    call_json: str, *, kvs: str, recheck_ms: float, kvs_data: str | None = None
) -> dict[str, Any]:
    """One run of a CloudFront Function (``call_json``: the sandbox's begin() argument)."""
    fields = {"call": call_json, "kvs": kvs, "recheckMs": recheck_ms, "kvsData": kvs_data}
    return _build(REQUESTS["run"], fields)


def with_nonce(request: Mapping[str, Any], nonce: str) -> dict[str, Any]:
    return {**request, NONCE: nonce}


def request_kind(message: Any) -> tuple[str, Message] | None:
    """``(nonce, kind)`` of a request line's object, or None when it is not edgelab's."""
    if not isinstance(message, dict):
        return None
    kind = REQUESTS.get(message.get("op"))  # type: ignore[arg-type]
    nonce = message.get(NONCE)
    if kind is None or not isinstance(nonce, str):
        return None
    return nonce, kind


# -- answers (the workers) ---------------------------------------------------------------
def ready_answer(pid: int) -> dict[str, Any]:
    return _build(ANSWERS["ready"], {"pid": pid})


def loaded_answer(function_name: str) -> dict[str, Any]:
    return _build(ANSWERS["loaded"], {"function_name": function_name})


def result_answer(status: str, **fields: Any) -> dict[str, Any]:
    """What one call did (``status`` ok, error or timeout; the fields of ``result``)."""
    if status not in ANSWERS["result"].statuses:
        raise ProtocolMisuse(f"result status must be one of ok, error, timeout; got {status!r}")
    return _build(ANSWERS["result"], {"status": status, **fields})


def result_of(raw: RawResult, outbound: list[dict[str, Any]]) -> dict[str, Any]:
    """A :class:`RawResult` as its ``result`` answer."""
    return result_answer(
        raw.status,
        value=raw.value,
        error_type=raw.error_type,
        error_message=raw.error_message,
        logs=raw.logs,
        duration_ms=raw.duration_ms,
        cold_start=raw.cold_start,
        outbound=outbound,
    )


# -- answers (the parent) ----------------------------------------------------------------
def bad_answer(why: str) -> dict[str, Any]:
    """The defined failure of a malformed answer."""
    return result_answer("error", error_type="Runtime.BadAnswer", error_message=why)


def check_answer(answer: Any) -> dict[str, Any]:
    """``answer`` when it is a message of the schema, else :func:`bad_answer` saying why.

    Checks what the parent reads: an object, a known status, the required fields and the
    exact JSON type of each field present (unknown fields are not read, so they are left
    alone): a dict lookup and a set membership per field."""
    if not isinstance(answer, dict):
        return bad_answer("the worker's answer is not an object")
    kind = KIND_OF_STATUS.get(answer.get("status"))  # type: ignore[arg-type]
    if kind is None:
        return bad_answer(f"the worker's answer has an unknown status {answer.get('status')!r}")
    types = kind.types
    for name, value in answer.items():
        allowed = types.get(name)
        if allowed is not None and type(value) not in allowed:
            return bad_answer(
                f"the worker's {kind.name} answer has {name}={value!r:.80}, which is not "
                f"{'/'.join(sorted(t.__name__ for t in allowed))}"
            )
    if not kind.required <= answer.keys():
        missing = sorted(kind.required - answer.keys())
        return bad_answer(f"the worker's {kind.name} answer has no {', '.join(missing)}")
    return answer


def is_ready(hello: Mapping[str, Any]) -> bool:
    return hello.get("ready") is True


def hello_pid(hello: Mapping[str, Any]) -> int | None:
    pid = hello.get("pid")
    return pid if isinstance(pid, int) else None


def hello_node(hello: Mapping[str, Any]) -> str:
    return str(hello.get("node", ""))


def hello_load(hello: Mapping[str, Any]) -> dict[str, Any]:
    """How loading the function went (Node.js and CloudFront Functions workers)."""
    load = hello.get("load")
    return load if isinstance(load, dict) else {}


def loaded_name(answer: Mapping[str, Any]) -> str | None:
    """The function's name from the answer to ``load``; None when loading failed."""
    return str(answer["function_name"]) if answer.get("status") == "loaded" else None


def error_message(answer: Mapping[str, Any]) -> str:
    return str(answer.get("error_message"))


def is_retry(answer: Mapping[str, Any]) -> bool:
    return answer.get("status") == "retry"


def wants_restart(answer: Mapping[str, Any]) -> bool:
    return bool(answer.get("restart"))


def logs_of(answer: Mapping[str, Any]) -> str:
    return answer.get("logs") or ""


def prepend_logs(answer: dict[str, Any], text: str) -> None:
    """Put ``text`` in front of the answer's logs (what a dead container said)."""
    answer["logs"] = text + logs_of(answer)


def answer_to_result(answer: Mapping[str, Any]) -> RawResult:
    """A checked ``result`` answer as a :class:`RawResult`."""
    status: RawStatus = answer.get("status", "error")
    if status not in ("ok", "error", "timeout"):
        status = "error"
    outbound = answer.get("outbound") or []
    return RawResult(
        status,
        answer.get("value"),
        answer.get("error_type"),
        answer.get("error_message"),
        logs_of(answer),
        answer.get("duration_ms") or 0.0,
        bool(answer.get("cold_start")),
        [c for c in outbound if isinstance(c, dict)],
    )


# -- requests (the Python worker) ----------------------------------------------------------
@dataclass(frozen=True)
class PythonRequest:
    """A request the isolated Python worker answers: ``load`` or ``invoke``."""

    nonce: str
    is_load: bool
    spec: str
    event: Any = None
    context: Mapping[str, Any] = field(default_factory=dict)


def read_python_request(message: Any) -> PythonRequest | None:
    """The request in a line's object, or None when it is not one edgelab sends."""
    found = request_kind(message)
    if found is None or "python" not in found[1].workers:
        return None
    nonce, kind = found
    spec = message.get("spec")
    if not isinstance(spec, str):
        return None
    if kind.name == "load":
        return PythonRequest(nonce, True, spec)
    context = message.get("context")
    if not isinstance(context, dict) or "event" not in message:
        return None
    return PythonRequest(nonce, False, spec, message["event"], context)
