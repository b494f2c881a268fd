"""Lambda@Edge quotas as data: one row per quota, each citing its fact-sheet section.

``LIMIT_ROWS_2023_03`` holds the March 2023 fact sheet's quotas (§5.1, §4, §2, §5.3);
``LIMIT_CHANGES_2025_11`` the rows the current pages changed (§13), which
:func:`limit_rows_2025_11` puts in their place. :data:`OVERRIDE_RANGES` says what each
quota may be overridden to. Sizes use 1 KB = 1,024 bytes and 1 MB = 1,048,576 bytes.
A quota change is a one-row edit here; ``edgelab.rules.tables`` builds the rule sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..triggers import TRIGGERS, Trigger

VREQ, OREQ, ORESP, VRESP = TRIGGERS
REQUEST = tuple(t for t in TRIGGERS if t.is_request)
ALL = TRIGGERS

KB = 1024
MB = 1024 * 1024

#: (rule, unit, section, note, {trigger: value})
LimitRow = tuple[str, str, str, str, dict[Trigger, float]]


@dataclass(frozen=True)
class Limit:
    """One quota for one trigger: ``rule`` is the quota's name, ``value`` its number."""

    rule: str
    trigger: Trigger
    value: float
    unit: str
    section: str
    note: str = ""


# --- §5.1, §4, §2, §5.3: quotas ---------------------------------------------------------
LIMIT_ROWS_2023_03: list[LimitRow] = [
    (
        "timeout",
        "s",
        "§5.1",
        "running past it gives 503 LambdaLimitExceeded (§6)",
        {VREQ: 5, VRESP: 5, OREQ: 30, ORESP: 30},
    ),
    (
        "memory",
        "MB",
        "§5.1",
        "viewer: 128 MB; origin: Lambda's 128-3,008 MB, the maximum here",
        {VREQ: 128, VRESP: 128, OREQ: 3008, ORESP: 3008},
    ),
    (
        "generated-response-size",
        "bytes",
        "§4, §5.1",
        "headers + body of a generated (request triggers) or replaced (response triggers) response",
        {VREQ: 40 * KB, VRESP: 40 * KB, OREQ: 1 * MB, ORESP: 1 * MB},
    ),
    (
        "body-exposed",
        "bytes",
        "§1.4, §5.1",
        "Include Body: request body exposed to the function, truncated beyond it",
        {VREQ: 40 * KB, OREQ: 1 * MB},
    ),
    (
        "body-replace-text",
        "bytes",
        "§5.1",
        "replaced request body with encoding text",
        {VREQ: 40 * KB, OREQ: 1 * MB},
    ),
    (
        "body-replace-base64",
        "bytes",
        "§5.1",
        "replaced request body with encoding base64",
        {VREQ: int(53.2 * KB), OREQ: int(1.33 * MB)},
    ),
    (
        "uri-querystring-length",
        "chars",
        "§2, §5.3",
        "uri + querystring must be shorter than this",
        {t: 8192 for t in REQUEST},
    ),
    (
        "request-size",
        "bytes",
        "§5.3",
        "headers + uri + querystring of a request (not the body)",
        {t: 20480 for t in REQUEST},
    ),
    (
        "status-min",
        "status",
        "§1.7, §4",
        "lowest status a response may end up with",
        {t: 200 for t in ALL},
    ),
    (
        "status-max",
        "status",
        "§1.7, §4",
        "highest status a response may end up with",
        {t: 599 for t in ALL},
    ),
    ("origin-custom-headers", "headers", "§5.3", "origin custom headers at most", {OREQ: 10}),
    (
        "custom-header-name-length",
        "chars",
        "§5.3",
        "origin custom header name at most",
        {OREQ: 256},
    ),
    (
        "custom-header-value-length",
        "chars",
        "§5.3",
        "origin custom header value at most",
        {OREQ: 1783},
    ),
    (
        "custom-headers-total-length",
        "chars",
        "§5.3",
        "origin custom header names and values combined at most",
        {OREQ: 10240},
    ),
]

# --- §13: what the current pages changed (the "2025-11" set) --------------------------------
# (rule, section, note, {trigger: value}) replacing the 2023-03 row of that rule.
LIMIT_CHANGES_2025_11: list[tuple[str, str, str, dict[Trigger, float]]] = [
    (
        "timeout",
        "§13 (§5.1)",
        "current Quotas and Differences pages: 30 s for every event; "
        "running past it gives 503 LambdaLimitExceeded (§6)",
        {t: 30 for t in ALL},
    ),
    (
        "memory",
        "§13 (§5.1)",
        "viewer: 128 MB; origin: up to 10,240 MB (current pages)",
        {VREQ: 128, VRESP: 128, OREQ: 10240, ORESP: 10240},
    ),
    (
        "request-size",
        "§13 (§5.3)",
        "headers + uri + querystring of a request (not the body); current Quotas page",
        {t: 32768 for t in REQUEST},
    ),
]


def limit_rows_2025_11() -> list[LimitRow]:
    """The 2023-03 rows with the rows the current pages changed put in their place."""
    changed = {
        rule: (section, note, values) for rule, section, note, values in LIMIT_CHANGES_2025_11
    }
    rows = []
    for rule, unit, section, note, values in LIMIT_ROWS_2023_03:
        if rule in changed:
            section, note, values = changed[rule]
        rows.append((rule, unit, section, note, values))
    return rows


@dataclass(frozen=True)
class Range:
    """The values a rule override may take: ``low`` to ``high`` (None: no upper bound)."""

    low: float
    high: float | None
    unit: str
    low_exclusive: bool = False
    whole: bool = True
    why: str = ""

    def contains(self, value: float) -> bool:
        if self.whole and not float(value).is_integer():
            return False
        above = value > self.low if self.low_exclusive else value >= self.low
        return above and (self.high is None or value <= self.high)

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        kind += f" of {self.unit}" if self.unit else ""
        low = f"{self.low:,g}"
        if self.high is None:
            text = f"{kind} from {low} up"
        elif self.low_exclusive:
            text = f"{kind} above {low} and at most {self.high:,g}"
        else:
            text = f"{kind} from {low} to {self.high:,g}"
        return text + (f" ({self.why})" if self.why else "")


#: What ``--set RULE=VALUE`` accepts for each rule (the same for every trigger).
OVERRIDE_RANGES: dict[str, Range] = {
    "timeout": Range(
        0,
        900,
        "seconds",
        low_exclusive=True,
        whole=False,
        why="Lambda's longest function timeout is 900 s",
    ),
    "memory": Range(128, 10240, "MB", why="Lambda's memory range, §5.1 and §13"),
    "status-min": Range(100, 999, "", why="a three-digit HTTP status"),
    "status-max": Range(100, 999, "", why="a three-digit HTTP status"),
    **{
        rule: Range(1, None, unit)
        for rule, unit in (
            ("generated-response-size", "bytes"),
            ("body-exposed", "bytes"),
            ("body-replace-text", "bytes"),
            ("body-replace-base64", "bytes"),
            ("uri-querystring-length", "characters"),
            ("request-size", "bytes"),
            ("origin-custom-headers", "headers"),
            ("custom-header-name-length", "characters"),
            ("custom-header-value-length", "characters"),
            ("custom-headers-total-length", "characters"),
        )
    },
}
