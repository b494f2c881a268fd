"""Headers: a case-insensitive, multi-valued view over CloudFront's header map.

CloudFront hands functions ``{"user-agent": [{"key": "User-Agent", "value": "..."}]}``
(facts §1.5): a lowercase name maps to one element per header line. :class:`Headers`
reads that map in place; :class:`MutableHeaders` edits it in place; ``.raw`` is always
the CloudFront shape. ``key`` is optional on output, and Lambda@Edge fills a missing
one by capitalising each hyphen-separated part; :func:`canonical_key` does the same.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping
from typing import Any

HeaderMap = dict[str, list[dict[str, str]]]


def canonical_key(name: str) -> str:
    """``user-agent`` -> ``User-Agent``, the way Lambda@Edge fills a missing key (§1.5)."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def header_map(items: Iterable[tuple[str, str]] | Mapping[str, str] | None = None) -> HeaderMap:
    """Build a CloudFront header map from ``(name, value)`` pairs, keeping name case in key."""
    out: HeaderMap = {}
    pairs = (
        items
        if type(items) is list
        else items.items()
        if type(items) is dict or isinstance(items, Mapping)  # a dict: no ABC check
        else (items or ())
    )
    for name, value in pairs:
        out.setdefault(name.lower(), []).append({"key": name, "value": str(value)})
    return out


def fill_keys(raw: Mapping[str, Any], *, lowercase: bool = False) -> HeaderMap:
    """``raw`` as CloudFront carries it on (§1.5, §13): map names lowercased, the elements
    of names that differ only in case merged in map order, and every missing ``key``
    filled as Lambda@Edge fills it. The same object when nothing needs changing, else a
    copy (see :func:`header_name_notes` for what changed). ``lowercase``: the caller
    already knows every name is a lowercase ``str`` (:func:`lowercase_names`)."""
    if (lowercase or lowercase_names(raw, exact=False)) and _keys_filled(raw):
        return raw  # type: ignore[return-value]
    out: HeaderMap = {}
    for name, elems in raw.items():
        lower = name.lower()
        out.setdefault(lower, []).extend(
            {"key": e.get("key") or canonical_key(lower), "value": e.get("value", "")}
            if isinstance(e, Mapping)
            else e
            for e in elems
        )
    return out


def first_value(raw: Mapping[str, Any], name: str) -> str | None:
    """The first value of the lowercase ``name`` in a CloudFront map, None without a
    line: :meth:`Headers.get` for a caller that holds the map and a lowercase name."""
    elems = raw.get(name)
    return elems[0].get("value", "") if elems else None


def all_values(raw: Mapping[str, Any], name: str) -> list[str]:
    """Every value of the lowercase ``name``, one per line, in order: :meth:`Headers.get_list`
    for a caller that holds the map and a lowercase name."""
    return [e.get("value", "") for e in raw.get(name, ())]


def lowercase_names(raw: Mapping[Any, Any], *, exact: bool = True) -> bool:
    """Whether every name of ``raw`` is lowercase: ``n == n.lower()`` for each (``exact``:
    and a ``str``, not a subclass), answered for the usual map of ``str`` names with one
    join (a string equals its lowercase exactly when each of its characters does)."""
    try:
        names = "".join(raw)
    except TypeError:  # a name that is no str: name by name, as the callers always did
        if exact:
            return all(type(n) is str and n == n.lower() for n in raw)
        return all(n == n.lower() for n in raw)
    if names != names.lower():
        return False
    if exact:  # a plain loop: cheaper than a set of the names' types
        for n in raw:
            if type(n) is not str:
                return False
    return True


def _keys_filled(raw: Mapping[str, Any]) -> bool:
    """Every element a ``dict`` with a ``key`` (a plain loop: cheaper than ``all()``)."""
    for elems in raw.values():
        for e in elems:
            if type(e) is not dict or "key" not in e:
                return False
    return True


def header_name_notes(raw: Mapping[str, Any], where: str = "headers") -> list[str]:
    """One note per map name that is not lowercase, saying what it became (§13)."""
    notes: list[str] = []
    seen: dict[str, str] = {}
    for name in raw:
        if not isinstance(name, str):
            continue
        lower = name.lower()
        if name != lower:
            merged = (
                f", after the lines of {seen[lower]!r}"
                if lower in seen
                else f", before the lines of {lower!r}"
                if lower in raw
                else ""
            )
            notes.append(
                f"{where}: header map name {name!r} taken as {lower!r}{merged}; "
                "CloudFront accepts map names in any case (facts §13)"
            )
        seen.setdefault(lower, name)
    return notes


def cookie_pairs(lines: Iterable[str]) -> list[tuple[str, str]]:
    """Every ``name=value`` of ``Cookie`` header lines, in order; parts without ``=``
    (or without a name) are skipped, as CloudFront forwards only ``name=value``."""
    pairs = []
    for line in lines:
        for part in line.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                pairs.append((name, value))
    return pairs


def cookie_header(pairs: Iterable[tuple[str, str]]) -> str:
    """One ``Cookie`` line: ``a=1; b=2``."""
    return "; ".join(f"{name}={value}" for name, value in pairs)


def select_cookies(
    headers: Mapping[str, Any], selection: str | Container[str]
) -> tuple[tuple[str, str], ...]:
    """Cookies as CloudFront forwards them: ``name=value`` only, by name (``"all"``,
    ``"none"``, names or any container that says which names are in), sorted, the
    first of a repeated name winning (§8.3)."""
    if selection == "none":
        return ()
    jar: dict[str, str] = {}
    for name, value in cookie_pairs(e["value"] for e in headers.get("cookie", ())):
        if selection == "all" or name in selection:
            jar.setdefault(name, value)
    return tuple(sorted(jar.items()))


def header_bytes(raw: Mapping[str, Any]) -> int:
    """Size of a header map's lines as ``Name: value\\r\\n``; elements that are not
    ``{key, value}`` objects (a handler's mistake, reported by validation) count 0."""
    try:  # the usual, well-formed map: one pass without checks
        size = 0
        for name, elems in raw.items():
            for e in elems:
                size += len(e.get("key") or name) + len(e["value"]) + 4
        return size
    except (AttributeError, KeyError, TypeError):
        pass
    total = 0
    for name, elems in raw.items():
        if isinstance(elems, list):
            for e in elems:
                if isinstance(e, Mapping):
                    key = e.get("key") or str(name)
                    total += len(str(key)) + len(str(e.get("value", ""))) + 4
    return total


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive view; ``h["Accept"]`` is the first value."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, list[dict[str, str]]] | None = None) -> None:
        self._raw: HeaderMap = raw if raw is not None else {}  # type: ignore[assignment]

    @property
    def raw(self) -> HeaderMap:
        """The underlying CloudFront map (the very object this view reads)."""
        return self._raw

    def __getitem__(self, name: str) -> str:
        elems = self._raw.get(name.lower())
        if not elems:
            raise KeyError(name)
        return elems[0].get("value", "")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self._raw.get(name.lower()))

    def __iter__(self) -> Iterator[str]:
        return (name for name, elems in self._raw.items() if elems)

    def __len__(self) -> int:
        return sum(1 for elems in self._raw.values() if elems)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """The first value of ``name``, or ``default`` (no exception on the way)."""
        value = first_value(self._raw, name.lower())
        return default if value is None else value

    def get_list(self, name: str) -> list[str]:
        """Every value of ``name``, one per header line, in order."""
        return all_values(self._raw, name.lower())

    def first_values(self) -> dict[str, str]:
        """``{map name: first value}`` for every name that has a line, in map order."""
        return {name: elems[0].get("value", "") for name, elems in self._raw.items() if elems}

    def value_lists(self) -> dict[str, list[str]]:
        """``{map name: every value}``, one value per header line, in map order."""
        return {name: [e.get("value", "") for e in elems] for name, elems in self._raw.items()}

    def key_of(self, name: str) -> str:
        """The original-case name of the first ``name`` line (filled if missing)."""
        elems = self._raw.get(name.lower()) or [{}]
        return elems[0].get("key") or canonical_key(name.lower())

    def multi_items(self) -> list[tuple[str, str]]:
        """``(Original-Case-Name, value)`` for every header line."""
        return [
            (e.get("key") or canonical_key(name), e.get("value", ""))
            for name, elems in self._raw.items()
            for e in elems
        ]

    def cookies(self) -> dict[str, str]:
        """Cookies from every ``Cookie`` line (values are never split by CloudFront, §1.5);
        the first of a repeated name wins."""
        jar: dict[str, str] = {}
        for name, value in cookie_pairs(self.get_list("cookie")):
            jar.setdefault(name, value)
        return jar

    def byte_size(self) -> int:
        """The size of the header lines as ``Name: value\\r\\n`` (the quotas of §5.3)."""
        return header_bytes(self._raw)

    def mutable(self) -> MutableHeaders:
        """A :class:`MutableHeaders` over a copy of this map."""
        return MutableHeaders({k: [dict(e) for e in v] for k, v in self._raw.items()})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted(self.multi_items()) == sorted(other.multi_items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class MutableHeaders(Headers):
    """Edits the wrapped CloudFront map in place."""

    __slots__ = ()

    def __setitem__(self, name: str, value: str) -> None:
        """Replace every line of ``name`` with one line."""
        self._raw[name.lower()] = [{"key": self._key_for(name), "value": str(value)}]

    def __delitem__(self, name: str) -> None:
        if name.lower() not in self._raw:
            raise KeyError(name)
        del self._raw[name.lower()]

    def append(self, name: str, value: str) -> None:
        """Add one more line of ``name``, keeping the existing ones."""
        self._raw.setdefault(name.lower(), []).append(
            {"key": self._key_for(name), "value": str(value)}
        )

    def remove(self, name: str) -> None:
        """Remove every line of ``name``; no error when there is none."""
        self._raw.pop(name.lower(), None)

    def setdefault(self, name: str, value: str) -> str:  # type: ignore[override]
        if name not in self:
            self[name] = value
        return self[name]

    def _key_for(self, name: str) -> str:
        # A name given all lowercase gets the canonical key, as Lambda@Edge would fill it.
        return canonical_key(name) if name == name.lower() else name
