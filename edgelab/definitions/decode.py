"""Read JSON and YAML definition files into plain dicts and lists that remember lines.

Modelled on cfn-lint's ``decode`` package: a :class:`Node` is a ``dict`` whose
``key_lines`` give the line of each key, a :class:`NodeList` a ``list`` whose
``item_lines`` give the line of each item; both have ``line`` (where they start).
CloudFormation's YAML short-form tags (``!Ref``, ``!GetAtt A.B``, ``!Sub``, ``!If``...)
become the long form (``{"Ref": ...}``, ``{"Fn::GetAtt": ["A", "B"]}``) with the tag's
line. Everything else is what :mod:`json` or a YAML safe loader would give, so the
importers work on ordinary data and ask :func:`line_of` only when they report a problem.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import yaml

from ..errors import DefinitionError


class Node(dict):  # type: ignore[type-arg]
    """A mapping that knows the line it starts on and the line of each key."""

    line: int | None = None

    def __init__(self, *args: Any, line: int | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.line = line
        self.key_lines: dict[Any, int] = {}
        #: how a key is named in messages, when the data was renamed from another format
        #: (Terraform's ``ordered_cache_behavior`` read as ``CacheBehaviors``).
        self.key_labels: dict[Any, str] = {}


class NodeList(list):  # type: ignore[type-arg]
    """A list that knows the line it starts on and the line of each item."""

    line: int | None = None

    def __init__(self, *args: Any, line: int | None = None) -> None:
        super().__init__(*args)
        self.line = line
        self.item_lines: list[int | None] = []
        #: how an item is named in messages instead of ``[i]`` (TOML's event names).
        self.item_labels: list[str] = []


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of ``container[key]`` (or of the container), when it is known."""
    if key is not None:
        if isinstance(container, Node) and key in container.key_lines:
            return container.key_lines[key]
        if (
            isinstance(container, NodeList)
            and isinstance(key, int)
            and 0 <= key < len(container.item_lines)
        ):
            return container.item_lines[key] or container.line
    return getattr(container, "line", None)


def node_like(template: Any, data: dict[str, Any] | None = None) -> Node:
    """A new :class:`Node` that keeps ``template``'s line (for data built from it)."""
    out = Node(data or {}, line=getattr(template, "line", None))
    if isinstance(template, Node):
        out.key_lines = {k: v for k, v in template.key_lines.items() if k in out}
        out.key_labels = {k: v for k, v in template.key_labels.items() if k in out}
    return out


# -- JSON -----------------------------------------------------------------------------------
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?")


class _Json:
    def __init__(self, text: str) -> None:
        self.s = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, idx: int) -> int:
        return bisect.bisect_left(self.newlines, idx) + 1

    def ws(self, i: int) -> int:
        return _WS.match(self.s, i).end()  # type: ignore[union-attr]

    def value(self, i: int) -> tuple[Any, int]:
        s = self.s
        c = s[i : i + 1]
        if c == "{":
            return self.obj(i)
        if c == "[":
            return self.arr(i)
        if c == '"':
            return scanstring(s, i + 1, True)
        m = _NUMBER.match(s, i)
        if m and m.end() > i:
            whole, frac, exp = m.groups()
            return (
                float(whole + (frac or "") + (exp or "")) if frac or exp else int(whole),
                m.end(),
            )
        for word, val in (("true", True), ("false", False), ("null", None)):
            if s.startswith(word, i):
                return val, i + len(word)
        raise ValueError(f"unexpected character at offset {i}")

    def obj(self, i: int) -> tuple[Node, int]:
        node = Node(line=self.line(i))
        i = self.ws(i + 1)
        if self.s[i] == "}":
            return node, i + 1
        while True:
            key_line = self.line(i)
            key, i = scanstring(self.s, i + 1, True)
            i = self.ws(self.ws(i) + 1)  # past ':'
            val, i = self.value(i)
            node[key] = val
            node.key_lines[key] = key_line
            i = self.ws(i)
            if self.s[i] == "}":
                return node, i + 1
            i = self.ws(i + 1)  # past ','

    def arr(self, i: int) -> tuple[NodeList, int]:
        out = NodeList(line=self.line(i))
        i = self.ws(i + 1)
        if self.s[i] == "]":
            return out, i + 1
        while True:
            out.item_lines.append(self.line(i))
            val, i = self.value(i)
            out.append(val)
            i = self.ws(i)
            if self.s[i] == "]":
                return out, i + 1
            i = self.ws(i + 1)


def load_json(text: str, file: str = "") -> Any:
    """Parse JSON into :class:`Node`/:class:`NodeList` (invalid JSON: a DefinitionError
    with the line)."""
    try:
        json.loads(text)  # the standard parser checks the syntax and words the error
    except json.JSONDecodeError as exc:
        raise DefinitionError(
            f"not valid JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno
        ) from None
    parser = _Json(text)
    value, _ = parser.value(parser.ws(0))
    return value


# -- YAML -----------------------------------------------------------------------------------
#: CloudFormation short-form tags and the long-form key each stands for.
SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    **{
        name: f"Fn::{name}"
        for name in (
            "Sub",
            "Join",
            "If",
            "Select",
            "Split",
            "FindInMap",
            "ImportValue",
            "Base64",
            "Cidr",
            "GetAZs",
            "Equals",
            "And",
            "Or",
            "Not",
            "Transform",
            "ToJsonString",
            "Length",
            "Contains",
            "EachMemberEquals",
            "EachMemberIn",
            "RefAll",
            "ValueOf",
            "ValueOfAll",
        )
    },
}


class _Loader(yaml.SafeLoader):
    """A safe loader that builds :class:`Node`/:class:`NodeList` and reads short tags."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    loader.flatten_mapping(node)
    out = Node(line=node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> NodeList:
    out = NodeList(line=node.start_mark.line + 1)
    for child in node.value:
        out.append(loader.construct_object(child, deep=True))
        out.item_lines.append(child.start_mark.line + 1)
    return out


def _as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    """Dates and times stay text: CloudFormation reads ``2010-09-09`` as a string."""
    return str(node.value)


def _short(long: str) -> Any:
    def construct(loader: _Loader, node: yaml.Node) -> Node:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if long == "Fn::GetAtt" and isinstance(value, str):
                lid, _, attr = value.partition(".")
                value = NodeList([lid, attr], line=node.start_mark.line + 1)
                value.item_lines = [node.start_mark.line + 1] * 2
            elif long == "Fn::GetAZs" and value is None:
                value = ""
        elif isinstance(node, yaml.SequenceNode):
            value = _sequence(loader, node)
        else:
            value = _mapping(loader, node)
        out = Node({long: value}, line=node.start_mark.line + 1)
        out.key_lines[long] = node.start_mark.line + 1
        return out

    return construct


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
for _tag, _long in SHORT_TAGS.items():
    _Loader.add_constructor(f"!{_tag}", _short(_long))


def load_yaml(text: str, file: str = "") -> Any:
    """Parse CloudFormation YAML (short-form tags included) into :class:`Node`s."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DefinitionError(
            f"not valid YAML: {exc.problem or exc}", file=file, line=mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise DefinitionError(f"not valid YAML: {exc}", file=file) from None


def load_file(path: Path, display: str = "") -> Any:
    """JSON or YAML by content (JSON first when the text starts with ``{`` or ``[``)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(
            f"cannot read the definition file: {exc}", file=display or str(path)
        ) from None
    if text.lstrip()[:1] in ("{", "["):
        return load_json(text, display or str(path))
    return load_yaml(text, display or str(path))


# -- where a value is, for messages -----------------------------------------------------------
class Loc:
    """A place in a definition: ``file``, ``line``, and ``where`` = the logical id (or
    address) and the key path, as in ``site.yaml:42, Dist CacheBehaviors[1].PathPattern``."""

    __slots__ = ("file", "line", "name", "path")

    def __init__(self, file: str, line: int | None = None, name: str = "", path: str = "") -> None:
        self.file, self.line, self.name, self.path = file, line, name, path

    @property
    def where(self) -> str:
        return f"{self.name} {self.path}".strip()

    def at(self, container: Any, key: Any, label: str | None = None) -> Loc:
        """The place of ``container[key]``; ``label`` replaces the key in the path."""
        if label is None and isinstance(container, Node):
            label = container.key_labels.get(key)
        if (
            label is None
            and isinstance(container, NodeList)
            and isinstance(key, int)
            and key < len(container.item_labels)
        ):
            label = container.item_labels[key]
        part = label if label is not None else (f"[{key}]" if isinstance(key, int) else str(key))
        if part and not part.startswith("[") and self.path:
            part = "." + part  # an empty label keeps the path (a level the format lacks)
        return Loc(self.file, line_of(container, key) or self.line, self.name, self.path + part)

    def named(self, name: str, line: int | None = None) -> Loc:
        return Loc(self.file, line or self.line, name, "")

    def error(self, message: str, **kw: Any) -> DefinitionError:
        return DefinitionError(message, file=self.file, line=self.line, where=self.where, **kw)

    def source(self) -> Any:
        from .model import Source

        return Source(self.file, self.line, self.where)

    def __str__(self) -> str:
        return str(self.source())
