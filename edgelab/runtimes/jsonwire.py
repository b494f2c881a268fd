"""JSON as edgelab speaks it, immune to a handler's monkeypatching, and Lambda's marshalling.

Everything here is bound when edgelab is imported, before any handler code runs: the C
encoder and scanner of the standard library's ``json`` (``json.encoder.c_make_encoder``,
``json.decoder.JSONDecoder().scan_once``). A handler that replaces ``json.dumps``,
``json.loads``, ``json.JSONEncoder`` methods or ``json.encoder`` globals therefore
changes neither edgelab's worker protocol, nor its CLI output, nor how a result is read.

:func:`marshal_result` is how both Python modes (in-process and isolated) turn what a
function returned into the JSON data CloudFront receives, the way Lambda's Python
runtime does (it JSON-encodes the return value; a value it cannot encode is a
``Runtime.MarshalError``, a function error): one canonicalisation, so the two modes
agree on every return value.
"""

from __future__ import annotations

import decimal
import json
import json.decoder
import json.encoder
from collections.abc import Callable
from typing import Any

import orjson

from ..event.build import copy_event
from ..limits import MAX_DEPTH

_C_MAKE_ENCODER = json.encoder.c_make_encoder
_MAKE_ITERENCODE = json.encoder._make_iterencode  # the pure-Python one, for indented output
_DECODE_ERROR = json.JSONDecodeError
_ENCODE_STR = json.encoder.c_encode_basestring_ascii or json.encoder.py_encode_basestring_ascii
_FLOAT_REPR = float.__repr__
_SCAN = json.decoder.JSONDecoder().scan_once
_WS = json.decoder.WHITESPACE.match
_JOIN = "".join
_OR_DUMPS = orjson.dumps
_OR_LOADS = orjson.loads
# orjson hands subclasses of str, int, dict and list, dataclasses and datetimes to
# ``default`` (which refuses them) rather than encoding them its own way
_OR_STRICT = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


def _default(obj: Any) -> Any:
    # Lambda's encoder writes a Decimal as a JSON number; anything else is not JSON.
    if isinstance(obj, decimal.Decimal) and obj.is_finite():
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _make_encoder(
    default: Callable[[Any], Any],
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] = (",", ":"),
) -> Callable[..., str]:
    item_sep, key_sep = separators
    compact = (
        _C_MAKE_ENCODER({}, default, _ENCODE_STR, None, key_sep, item_sep, sort_keys, False, True)
        if _C_MAKE_ENCODER is not None
        else None
    )

    def encode(value: Any, indent: int | None = None) -> str:
        if isinstance(value, str):
            return _ENCODE_STR(value)
        if indent is None and compact is not None:
            return _JOIN(compact(value, 0))
        chunks = _MAKE_ITERENCODE(
            {},
            default,
            _ENCODE_STR,
            " " * indent if indent else None,
            _FLOAT_TEXT,
            ": " if indent else key_sep,
            item_sep,
            sort_keys,
            False,
            False,
        )(value, 0)
        return _JOIN(chunks)

    return encode


def _FLOAT_TEXT(o: float) -> str:
    if o != o:
        return "NaN"
    if o == float("inf"):
        return "Infinity"
    if o == -float("inf"):
        return "-Infinity"
    return _FLOAT_REPR(o)


#: ``json.dumps(value, separators=(",", ":"))`` as bound at import (Decimal as a number).
dumps = _make_encoder(_default)
#: :data:`dumps` without the circular-reference check (``check_circular=False``): a cycle
#: then ends in RecursionError, after which :func:`marshal_result` encodes again with
#: the check, for the same message as before; a quarter cheaper on every result.
_dumps_unchecked = (
    _C_MAKE_ENCODER(None, _default, _ENCODE_STR, None, ":", ",", False, False, True)
    if _C_MAKE_ENCODER is not None
    else None
)


def _fallback(obj: Any) -> Any:
    try:
        return str(obj)
    except Exception:
        return f"<{type(obj).__name__}>"


#: :data:`dumps` that writes anything it cannot encode as its ``repr`` (edgelab's own
#: reports, such as the CLI's JSON, which must never fail).
dumps_lenient = _make_encoder(_fallback)
#: ``json.dumps(value, default=str)`` as bound at import.
dumps_text = _make_encoder(_fallback, separators=(", ", ": "))
#: ``json.dumps(value, sort_keys=True, default=str)`` as bound at import.
dumps_sorted = _make_encoder(_fallback, sort_keys=True, separators=(", ", ": "))


def loads(text: str | bytes | bytearray) -> Any:
    """``json.loads`` as bound at import."""
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8")
    try:
        value, end = _SCAN(text, _WS(text, 0).end())
    except StopIteration as err:
        raise _DECODE_ERROR("Expecting value", text, err.value) from None
    end = _WS(text, end).end()
    if end != len(text):
        raise _DECODE_ERROR("Extra data", text, end)
    return value


def event_copy(event: Any) -> Any:
    """A copy of ``event`` for a function to own, as Lambda's runtime hands it one:
    decoded from the JSON CloudFront sent (by orjson: about a third cheaper than
    ``marshal``'s copy, so a tuple arrives as a list, as it would from Lambda). An event
    orjson does not write, or whose JSON holds a null (None, but also NaN or Infinity,
    which orjson writes as null), is copied exactly by
    :func:`~edgelab.event.build.copy_event` instead."""
    try:
        raw = _OR_DUMPS(event, default=_refuse, option=_OR_STRICT)
    except Exception:  # (orjson.JSONEncodeError)
        return copy_event(event)
    if b"null" in raw:
        return copy_event(event)
    return _OR_LOADS(raw)


def marshal_result(value: Any) -> tuple[bool, Any, str]:
    """What CloudFront receives when a Python function returns ``value``: see
    :func:`marshal_checked` (without its fourth item)."""
    ok, data, why, _ = marshal_checked(value)
    return ok, data, why


def marshal_checked(value: Any) -> tuple[bool, Any, str, bool]:
    """What CloudFront receives when a Python function returns ``value``.

    ``(True, plain JSON data, "")``, or ``(False, None, message)`` when Lambda's runtime
    could not encode it (a set, an arbitrary object, nesting deeper than the encoder's
    recursion limit, a cycle): Lambda reports that as ``Runtime.MarshalError``. Bytes are
    sent by Lambda as they are: bytes holding JSON are that JSON; others are handed on
    as text, which is not a request or response object (a 502).

    The fourth item is True when the data is known to be what
    :func:`edgelab.event.jsoncheck.json_problem` accepts, read off the encoded text
    for free: no ``\\ud`` escape in it (the text is ASCII, so a lone surrogate would
    be one) and no more ``{`` and ``[`` than :data:`~edgelab.limits.MAX_DEPTH` (a
    bound on the nesting). False: unknown, the validator checks the data itself.
    """
    if value is None or type(value) in _SCALARS:
        return True, value, "", False
    # The fast path: orjson encodes and decodes plain JSON data several times faster
    # than the standard library. It refuses what it does not know, and where it would
    # differ from Lambda's encoder (NaN and Infinity written as null, an Enum written as
    # its value, a UUID as text, a tuple as a list) what it decodes is not equal to what
    # was returned. Either way the standard library's encoder below decides, so the
    # answer is always that encoder's.
    try:
        raw = _OR_DUMPS(value, default=_refuse, option=_OR_STRICT)
    except Exception:  # (orjson.JSONEncodeError: not data it encodes as Lambda would)
        pass
    else:
        data = _OR_LOADS(raw)
        if type(data) is type(value) and data == value:
            return True, data, "", raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH
    if isinstance(value, _BYTES):
        raw = bytes(value)
        try:
            return True, loads(raw.decode("utf-8")), "", False
        except (UnicodeDecodeError, ValueError):
            return True, raw.decode("utf-8", "replace"), "", False
    # :data:`dumps`, first without the circular-reference check (a quarter cheaper); a
    # value that recursed too deeply (a cycle, or real depth) is encoded again with it,
    # which tells the two apart (ValueError "Circular reference detected", or
    # RecursionError again)
    try:
        text = _JOIN(_dumps_unchecked(value, 0)) if _dumps_unchecked is not None else dumps(value)
    except RecursionError:
        try:
            text = dumps(value)
        except Exception as exc:
            return _refused(exc)
    except Exception as exc:
        return _refused(exc)
    try:
        data = _decode_own(text)
    except RecursionError:
        return False, None, _TOO_DEEP, False
    clean = "\\ud" not in text and text.count("{") + text.count("[") <= MAX_DEPTH
    return True, data, "", clean


_SCALARS = (str, int, bool)


def _refuse(obj: Any) -> Any:
    raise TypeError  # orjson's default: anything it does not encode itself


_BYTES = (bytes, bytearray, memoryview)


def _refused(exc: Exception) -> tuple[bool, Any, str, bool]:
    """:func:`marshal_checked`'s answer for a value the encoder refused with ``exc``."""
    if isinstance(exc, RecursionError):
        return False, None, _TOO_DEEP, False
    if isinstance(exc, TypeError | ValueError | OverflowError):
        return False, None, f"Unable to marshal response: {exc}", False
    # a value whose own methods raise while being encoded
    return False, None, f"Unable to marshal response: {type(exc).__name__}: {exc}", False


def _decode_own(text: str) -> Any:
    """:func:`loads` of text :func:`marshal_checked` encoded: compact, so no whitespace to skip
    around the value (anything else goes through :func:`loads`, which says why)."""
    try:
        data, end = _SCAN(text, 0)
    except StopIteration:
        return loads(text)
    return data if end == len(text) else loads(text)


_TOO_DEEP = (
    "Unable to marshal response: the result is nested too deeply "
    "(maximum recursion depth exceeded while encoding it)"
)
