"""Hypothesis strategies shared by the property tests (STYLE item 15)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import edgelab as el

TRIGGERS = [t.value for t in el.TRIGGERS]

# HTTP token names, mixed case, the way viewers send them.
header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9\-]{0,15}", fullmatch=True)
# Visible ASCII and spaces: what a header value may hold.
header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)
header_pairs = st.lists(st.tuples(header_names, header_values), max_size=8)

uris = st.from_regex(r"/[A-Za-z0-9._~/\-]{0,30}", fullmatch=True)
querystrings = st.from_regex(
    r"([a-z]{1,5}=[A-Za-z0-9%]{0,5}(&[a-z]{1,5}=[a-z0-9]{0,5}){0,3})?", fullmatch=True
)


@st.composite
def events(draw: st.DrawFn, triggers: list[str] | None = None) -> dict[str, Any]:
    """A built event for a random trigger with random uri, query string and headers."""
    trigger = draw(st.sampled_from(triggers or TRIGGERS))
    is_request = trigger.endswith("request")
    return el.build_event(
        trigger,
        uri=draw(uris),
        querystring=draw(querystrings),
        headers=draw(header_pairs),
        body=draw(st.none() | st.text(max_size=20)) if is_request else None,
        response_headers=None if is_request else draw(header_pairs),
    )


# One mutation helper call: (function, positional args after the event, keyword args).
mutations = st.one_of(
    st.tuples(st.just(el.set_header), st.tuples(header_names, header_values), st.just({})),
    st.tuples(st.just(el.append_header), st.tuples(header_names, header_values), st.just({})),
    st.tuples(st.just(el.remove_header), st.tuples(header_names), st.just({})),
    st.tuples(
        st.just(el.set_cookie),
        st.tuples(st.from_regex(r"[a-z]{1,6}", fullmatch=True), header_values),
        st.just({}),
    ),
    st.tuples(
        st.just(el.set_query_param),
        st.tuples(st.text(max_size=6), st.none() | st.text(max_size=6)),
        st.just({}),
    ),
    st.tuples(st.just(el.rewrite_uri), st.tuples(st.text(max_size=10)), st.just({})),
    st.tuples(
        st.just(el.set_body),
        st.tuples(st.text(max_size=20) | st.binary(max_size=20)),
        st.fixed_dictionaries({"encoding": st.sampled_from(["text", "base64"])}),
    ),
    st.tuples(
        st.just(el.switch_origin),
        st.tuples(st.from_regex(r"[a-z]{1,8}\.[a-z]{2,3}", fullmatch=True)),
        st.fixed_dictionaries({"kind": st.sampled_from(["custom", "s3"])}),
    ),
    st.tuples(
        st.just(el.set_status), st.tuples(st.integers(0, 999) | st.text(max_size=4)), st.just({})
    ),
    st.tuples(
        st.just(el.set_response_cookie),
        st.tuples(st.from_regex(r"[a-z]{1,6}", fullmatch=True), header_values),
        st.just({}),
    ),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

header_maps = st.one_of(
    st.builds(el.header_map, header_pairs),
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
)

statuses = st.one_of(
    st.integers(-10, 1000),
    st.integers(),
    st.floats(),
    st.sampled_from(["200", "302", "404", "599", "600", "abc", "", " 200"]),
    json_values,
)

requests_like = st.fixed_dictionaries(
    {},
    optional={
        "uri": uris | json_values,
        "method": st.sampled_from(["GET", "POST"]) | json_values,
        "querystring": querystrings | json_values,
        "headers": header_maps,
        "clientIp": st.just(el.event.build.EXAMPLE_CLIENT_IP) | json_values,
        "body": json_values,
        "origin": json_values,
    },
)

responses_like = st.fixed_dictionaries(
    {"status": statuses},
    optional={
        "statusDescription": st.text(max_size=8) | json_values,
        "headers": header_maps,
        "body": st.text(max_size=20) | json_values,
        "bodyEncoding": st.sampled_from(["text", "base64"]) | json_values,
    },
)

handler_returns = st.one_of(json_values, requests_like, responses_like)

# Requests and responses of the usual shape, with the odd value here and there: what a
# handler most often returns unchanged (the validator's shortcut for it, §2, §4, §6).
usual_requests = st.fixed_dictionaries(
    {
        "uri": uris | st.from_regex(r"/[a-z]{8,40}", fullmatch=True) | st.sampled_from(["", "a"]),
        "querystring": querystrings | st.sampled_from(["", "a=1&b=2&c=3&d=4"]),
        "headers": st.builds(el.header_map, header_pairs)
        | st.just({"x-a": ({"key": "X-A", "value": "1"},)}),
    },
    optional={
        "method": st.sampled_from(["GET", "POST"]),
        "clientIp": st.just(el.event.build.EXAMPLE_CLIENT_IP),
        "body": st.just({"action": "read-only", "data": "", "encoding": "base64"}),
        "origin": st.just({"custom": {"domainName": "example.com"}}),
    },
)
usual_responses = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["200", "249", "250", "404", "405", "599", "600"])
        | st.sampled_from(["0200", " 200", "1000000", "²00", "200\x1f"])
        | st.integers(100, 700).map(str),
    },
    optional={
        "statusDescription": st.sampled_from(["OK", ""]) | st.integers(),
        "headers": st.builds(el.header_map, header_pairs) | st.just({"x-a": "1"}),
        "body": st.sampled_from(["hello", "aGVsbG8=", "%%%"]) | st.integers(),
        "bodyEncoding": st.sampled_from(["text", "base64", "gzip"]),
    },
)

# -- raw header maps: any case, CR/LF, control and wide characters (facts §1.5, §6, §13) -------
# RFC 9110 token characters, spelled out here apart from the validator's regex.
TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_GOOD_NAME = "aAzZ09-_~"
_BAD_NAME = " :\r\n\té€"
_GOOD_VALUE = "aZ0 ;=/,\té\xff"
_BAD_VALUE = "\r\n\x00\x7f€🙂"

# "X-T" keeps every name off the disallowed and read-only lists, so only the characters count.
# Most names and values are good, so that the valid maps get exercised as much as the bad.
_good_names = st.text(alphabet=_GOOD_NAME, max_size=6).map(lambda s: "X-T" + s)
_any_names = st.one_of(
    st.text(alphabet=_GOOD_NAME + _BAD_NAME, min_size=1, max_size=6).map(lambda s: "X-T" + s),
    st.sampled_from(["", "x-t", "X-T", "X-t", "x-T"]),
)
_good_values = st.text(alphabet=_GOOD_VALUE, max_size=10)
_any_values = st.text(alphabet=_GOOD_VALUE + _BAD_VALUE, max_size=10)


def _mostly(good: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` nine times in ten, so that valid maps are exercised as much as bad ones."""
    return st.integers(0, 9).flatmap(lambda i: other if i == 0 else good)


raw_header_names = _mostly(_good_names, _any_names)
raw_header_keys = _mostly(st.none() | _good_names, st.just("") | _any_names)
raw_header_values = _mostly(_good_values, _any_values)


@st.composite
def _raw_elements(draw: st.DrawFn) -> list[dict[str, str]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        key = draw(raw_header_keys)
        elem = {"value": draw(raw_header_values)}
        if key is not None:
            elem["key"] = key
        out.append(elem)
    return out


raw_header_maps = st.dictionaries(raw_header_names, _raw_elements(), max_size=4)


def _is_token(text: str) -> bool:
    return bool(text) and all(c in TOKEN_CHARS for c in text)


def expected_header_violations(headers: dict[str, Any]) -> set[str]:
    """The violations the rules call for (DECISIONS "header name characters", "header value
    characters"): a name or key that is no token; a control character other than tab, or
    a character beyond Latin-1, in a value. Elements of an invalid name are not looked at."""
    found: set[str] = set()
    for name, elems in headers.items():
        if not _is_token(name):
            found.add("header-name-invalid")
            continue
        for elem in elems:
            if elem.get("key") and not _is_token(elem["key"]):
                found.add("header-name-invalid")
            value = elem["value"]
            if any((ord(c) < 32 and c != "\t") or c == "\x7f" or ord(c) > 255 for c in value):
                found.add("header-value-invalid")
    return found


# -- path patterns (cloudfront-distribution-facts.md §3.1) ---------------------------------
_PATH_CHARS = "abcAB01_-.~/"


@st.composite
def path_patterns(draw: st.DrawFn) -> str:
    """Path patterns from CloudFront's alphabet, with ``*`` and ``?`` mixed in."""
    parts = draw(
        st.lists(st.sampled_from([*_PATH_CHARS, "*", "?", "/a", "b/"]), min_size=1, max_size=8)
    )
    return "".join(parts)


@st.composite
def pattern_paths(draw: st.DrawFn) -> str:
    """Viewer paths over the same small alphabet, so matches are frequent."""
    return "/" + draw(st.text(alphabet=_PATH_CHARS, max_size=12))


# Text a CloudFront log field may carry once URL-decoded (any code point but surrogates);
# '-' alone is how a log writes "no value", so it cannot round-trip as itself.
log_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30
).filter(lambda s: s != "-")

# What one call of tests/hostile/mixed.py does (its uri says which): a batch of these
# through a runtime must give one result per call, each its own.
HOSTILE_ACTIONS = ("ok", "raise", "exit", "fork", "forge", "logs", "sleep", "marshal")
hostile_batches = st.lists(st.sampled_from(HOSTILE_ACTIONS), min_size=1, max_size=10)


# -- CloudFront Functions ----------------------------------------------------------------------
cookie_pairs = st.lists(
    st.tuples(
        st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9]{0,6}", fullmatch=True),
    ),
    max_size=4,
)


@st.composite
def cff_events(draw: st.DrawFn) -> dict[str, Any]:
    """A CloudFront Functions event for a random viewer trigger."""
    trigger = draw(st.sampled_from(["viewer-request", "viewer-response"]))
    response = trigger == "viewer-response"
    return el.build_cff_event(
        trigger,
        uri=draw(uris),
        querystring=draw(querystrings),
        headers=draw(header_pairs),
        cookies=[f"{n}={v}" for n, v in draw(cookie_pairs)],
        status=draw(st.sampled_from([200, 304, 404])) if response else None,
        response_headers=draw(header_pairs) if response else None,
    )


cff_fields = st.dictionaries(
    st.text(max_size=8),
    st.fixed_dictionaries(
        {"value": json_values},
        optional={"multiValue": st.lists(json_values, max_size=3) | json_values},
    )
    | json_values,
    max_size=3,
)

cff_returns = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "uri": uris | json_values,
            "method": st.sampled_from(["GET", "POST"]) | json_values,
            "querystring": querystrings | cff_fields,
            "headers": cff_fields,
            "cookies": cff_fields,
            "body": json_values,
        },
    ),
    st.fixed_dictionaries(
        {"statusCode": statuses},
        optional={
            "statusDescription": st.text(max_size=8) | json_values,
            "headers": cff_fields,
            "cookies": cff_fields,
            "body": st.text(max_size=20)
            | json_values
            | st.fixed_dictionaries({"data": json_values, "encoding": json_values}),
        },
    ),
)


# -- hostile input: the classes that once escaped as non-edgelab exceptions -----------------
def nest(depth: int, leaf: Any = None, kind: str = "dict") -> Any:
    """``depth`` containers one inside the other (built without recursion)."""
    value = leaf
    for _ in range(depth):
        value = {"a": value} if kind == "dict" else [value]
    return value


# Nested deeper than edgelab.jsoncheck.MAX_DEPTH (a few far deeper than the stack allows).
deep_values = st.builds(
    nest,
    st.integers(65, 300) | st.sampled_from([3_000, 100_000]),
    st.none() | st.integers() | st.text(max_size=3),
    st.sampled_from(["dict", "list"]),
)
# Strings holding a lone surrogate, which UTF-8 cannot encode.
surrogate_texts = st.builds(
    lambda a, s, b: a + s + b,
    st.text(max_size=5),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.text(max_size=5),
)
# Strings long enough that the file system refuses them as a path (ENAMETOOLONG).
long_texts = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=256, max_size=5_000
)
# Events that are neither a dict nor a path.
non_events = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(),
    st.lists(st.integers(), max_size=3),
    st.tuples(st.integers()),
    st.builds(object),
    st.sets(st.integers(), max_size=2),
)
hostile_values = st.one_of(
    deep_values, surrogate_texts, long_texts, non_events, json_values, st.text(max_size=20)
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path inside a JSON-shaped event (depth-bounded: events are shallow)."""
    out = [prefix]
    if len(prefix) > 12:  # a hostile value put there earlier: do not walk into it
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    """A built event with one to three places replaced by hostile values (the whole event
    when the path is empty), or a hostile value on its own."""
    if draw(st.booleans()):
        return draw(hostile_values)
    event = draw(events())
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(event)
        path = draw(st.sampled_from(paths))
        value = draw(hostile_values)
        if not path:
            return value
        parent = event
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    return event


# A trigger argument: mostly a real one.
trigger_args = st.sampled_from(TRIGGERS) | hostile_values

# Keyword arguments of el.build_event, any of them replaced by a hostile value.
BUILD_EVENT_KEYWORDS = (
    "uri",
    "method",
    "querystring",
    "headers",
    "cookies",
    "client_ip",
    "body",
    "origin",
    "status",
    "status_description",
    "response_headers",
    "country",
    "device",
    "request_id",
    "distribution_domain",
    "distribution_id",
    "rules",
)
build_event_kwargs = st.dictionaries(
    st.sampled_from(BUILD_EVENT_KEYWORDS),
    hostile_values
    | st.dictionaries(st.text(max_size=5), hostile_values, max_size=2)
    | st.lists(hostile_values, max_size=2),
    min_size=1,
    max_size=3,
)

# -- continuous deployment (distribution facts §9) ------------------------------------------
#: a staging weight CloudFront accepts (0-0.15) and a routing seed
staging_weights = st.floats(0, 0.15, allow_nan=False)
routing_seeds = st.integers(0, 2**32)

# -- stored traces as edgelab serve's UI reads them: any shape in any field ----------------
_trace_stages = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "trigger": st.sampled_from(["viewer-request", "origin-response", "other"])
            | json_values,
            "outcome": st.sampled_from(["request", "response", "error"]) | json_values,
            "duration_ms": st.floats() | json_values,
            "violations": st.lists(st.dictionaries(st.text(max_size=6), json_values), max_size=2)
            | json_values,
            "error": st.fixed_dictionaries({"type": st.text(max_size=6)}) | json_values,
            "logs": st.text(max_size=20) | json_values,
            "input": requests_like | json_values,
            "output": responses_like | requests_like | json_values,
            "diff": st.fixed_dictionaries(
                {},
                optional={
                    "headers": st.dictionaries(
                        st.sampled_from(["added", "removed", "changed"]), json_values, max_size=3
                    ),
                    "uri": st.lists(json_values, min_size=2, max_size=2),
                    "generated": json_values,
                },
            )
            | json_values,
        },
    )
    | json_values,
    max_size=4,
)
stored_traces = st.fixed_dictionaries(
    {"request_id": st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)},
    optional={
        "time": st.floats() | json_values,
        "status": statuses,
        "cache": st.sampled_from(["Hit", "Miss", "Error"]) | json_values,
        "cache_key": st.sampled_from(["('d.net', '/', '', '', (), (), '')", "(1, 2"]) | json_values,
        "ttl": st.floats() | json_values,
        "age": st.integers() | json_values,
        "duration_ms": st.floats() | json_values,
        "stages": _trace_stages,
        "origin": st.fixed_dictionaries(
            {},
            optional={"request": requests_like, "response": responses_like, "error": json_values},
        )
        | json_values,
        "response": responses_like | json_values,
        "viewer": st.fixed_dictionaries(
            {},
            optional={
                "uri": uris | json_values,
                "headers": st.lists(st.lists(st.text(max_size=6), min_size=2, max_size=2))
                | json_values,
                "body": st.text(max_size=12) | json_values,
            },
        )
        | json_values,
        "notes": st.lists(st.text(max_size=10), max_size=2) | json_values,
        "behavior": json_values,
        "cache_tier": json_values,
    },
)


# A result column's values as rows give them: mostly the usual types of the column's kind,
# sometimes a value of another type (a handler's odd uri, a float where an int is usual).
_ODD_RESULT_VALUES = (
    st.booleans()
    | st.floats()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.sampled_from(["", "12", "x", "1.5"])
)
RESULT_VALUES = {
    "int64": st.none() | st.integers(min_value=-(2**40), max_value=2**40),
    "Int64": st.none() | st.integers(min_value=0, max_value=2**40),
    "float64": st.none() | st.integers(-1000, 1000) | st.floats(allow_nan=False, width=32),
    "bool": st.none() | st.booleans(),
    "category": st.none() | st.sampled_from(["", "/a", "/b", "Miss", "é"]),
    "str": st.none() | st.text(max_size=4),
}


def result_values(dtype: str) -> st.SearchStrategy[list[Any]]:
    """Lists of a result column's values (:data:`edgelab.frames.replay.RESULT_COLUMNS`)."""
    usual = RESULT_VALUES[dtype]
    return st.lists(usual, max_size=12) | st.lists(usual | _ODD_RESULT_VALUES, max_size=12)


#: result rows as a replay's pieces hold them: dicts of a few keys, odd values included
#: (a handler's list value is still one value)
_ROW_VALUES = (
    st.none()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.lists(st.integers(), max_size=2)
)
row_dicts = st.lists(
    st.dictionaries(st.sampled_from(["row", "a", "b", "c"]), _ROW_VALUES), max_size=8
)
