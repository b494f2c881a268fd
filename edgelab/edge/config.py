"""``distribution.toml``: a distribution as a file, for the CLI and ``edgelab serve``.

Paths are relative to the file. Every bad value is a :class:`ConfigError` naming the
key, the bad value and what is allowed::

    [distribution]          # all optional
    domain_name = "d111111abcdef8.cloudfront.net"
    id = "EDFDVBD6EXAMPLE"
    rules = "2025-11"       # or "2023-03"
    isolated = true          # Python handlers in worker processes (default for replay, serve)
    edge_location = "IAD89-C1"

    [triggers]
    viewer-request = "handlers/vr.py"              # or "file.py:func", "file.js"
    origin-request = { handler = "handlers/or.py", include_body = true }

    [origin]
    type = "folder"          # folder (path, missing = 403|404) | http (url, read_timeout,
    path = "site/"           #   [origin.resolve]) | mapping ([origin.responses."/a"])

    [cache]
    default_ttl = 86400      # min_ttl, max_ttl, error_ttl, gzip, brotli, cached_methods
    headers = []
    cookies = []             # "none" | "all" | names (also query_strings)
    query_strings = "none"

    [origin_request_policy]  # headers / cookies / query_strings / cloudfront_headers

    [viewer]                 # defaults for every request: country, city, client_ip ...

    [aws]                    # local AWS services for the functions (edgelab.outbound.aws)
    services = ["dynamodb"]  # seed = ["seed/dynamodb.json"], remote_call_ms = 20

    [[http.mocks]]           # what the functions' HTTP calls reach (edgelab.outbound.mocks)
    url = "https://api.example.com/flags/*"   # method, status, headers, body | json
    json = { beta = true }
    [http.hosts]             # names forwarded to loopback servers; remote_call_ms
    "profiles.internal" = "127.0.0.1:9000"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError, EdgelabError
from ..outbound.aws import aws_from_config
from ..outbound.mocks import http_mocks_from_config
from ..rules.tables import RULE_SETS, is_rule_set_name
from ..triggers import Trigger
from .cache import CachePolicy
from .distribution import Distribution, OriginRequestPolicy, TriggerConfig
from .origins import FolderOrigin, HttpOrigin, MappingOrigin
from .viewer import ViewerRequest

HANDLER_SUFFIXES = (".py", ".js", ".cjs", ".mjs")
SECTIONS = (
    "distribution",
    "triggers",
    "origin",
    "cache",
    "origin_request_policy",
    "viewer",
    "aws",
    "http",
)
ORIGIN_TYPES = ("folder", "http", "mapping")
_KEYS = {
    "distribution": ("domain_name", "id", "rules", "isolated", "edge_location"),
    "cache": (
        "default_ttl",
        "min_ttl",
        "max_ttl",
        "error_ttl",
        "headers",
        "cookies",
        "query_strings",
        "gzip",
        "brotli",
        "cached_methods",
    ),
    "origin_request_policy": ("headers", "cookies", "query_strings", "cloudfront_headers"),
    "origin.folder": ("type", "path", "missing"),
    "origin.http": ("type", "url", "read_timeout", "resolve"),
    "origin.mapping": ("type", "responses"),
}
_VIEWER_KEYS = tuple(
    f.name
    for f in fields(ViewerRequest)
    if f.name not in ("uri", "method", "querystring", "headers", "body", "request_id", "time")
)


def _check_keys(table: Mapping[str, Any], section: str) -> None:
    allowed = _KEYS[section]
    for key in table:
        if key not in allowed:
            name = section.split(".")[0]
            raise ConfigError(
                f"[{name}] has an unknown key {key!r}; allowed: {', '.join(allowed)}",
                key=f"{name}.{key}",
            )


def _table(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a table ([{name}]); got {value!r}", key=name)
    return dict(value)


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false; got {value!r}", key=key)
    return value


def _handler(value: Any, name: str, base: Path) -> TriggerConfig:
    key = f"triggers.{name}"
    include_body = False
    if isinstance(value, Mapping):
        extra = set(value) - {"handler", "include_body"}
        if extra:
            raise ConfigError(
                f"{key} has an unknown key {sorted(extra)[0]!r}; allowed: handler, include_body",
                key=key,
            )
        include_body = _bool(value.get("include_body", False), f"{key}.include_body")
        value = value.get("handler")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f'{key} must be a handler path such as "handlers/vr.py", '
            '"file.py:func" or "file.js", or a table { handler = ..., '
            f"include_body = true }}; got {value!r}",
            key=key,
        )
    target, sep, func = value.rpartition(":") if ":" in value else (value, "", "")
    suffix = Path(target).suffix.lower()
    looks_like_file = (
        suffix in HANDLER_SUFFIXES or "/" in target or (suffix != "" and (base / target).is_file())
    )
    if looks_like_file:
        path = (base / target).resolve()
        if not path.is_file():
            raise ConfigError(
                f"{key} names the handler file {target!r}, which does not exist "
                f"(looked for {path}); paths are relative to the config file",
                key=key,
            )
        if path.suffix.lower() not in HANDLER_SUFFIXES:
            raise ConfigError(
                f"{key} names {target!r}, which is not a handler file: a handler is a "
                f"{', '.join(HANDLER_SUFFIXES)} file (Python or Node.js), optionally with "
                ":function",
                key=key,
            )
        value = f"{path}{sep}{func}"
    return TriggerConfig(value, include_body)


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} must be a number of seconds; got {value!r}", key=key)
    return float(value)


def _origin(table: Mapping[str, Any], base: Path) -> Any:
    kind = table.get("type")
    if kind not in ORIGIN_TYPES:
        raise ConfigError(
            f"origin.type must be one of {', '.join(ORIGIN_TYPES)}; got {kind!r}", key="origin.type"
        )
    _check_keys(table, f"origin.{kind}")
    if kind == "folder":
        path = table.get("path")
        if not isinstance(path, str):
            raise ConfigError(
                f"origin.path must be the folder to serve (relative to the config"
                f" file); got {path!r}",
                key="origin.path",
            )
        missing = table.get("missing", 403)
        if missing not in (403, 404) or isinstance(missing, bool):
            raise ConfigError(
                f"origin.missing must be 403 (AccessDenied, as S3 answers without "
                f"ListBucket) or 404 (NoSuchKey); got {missing!r}",
                key="origin.missing",
            )
        return FolderOrigin(base / path, missing=missing)
    if kind == "http":
        url = table.get("url")
        if not isinstance(url, str):
            raise ConfigError(
                f'origin.url must be a URL such as "http://127.0.0.1:8000"; got {url!r}',
                key="origin.url",
            )
        rt = table.get("read_timeout")
        resolve = table.get("resolve", {})
        if not isinstance(resolve, Mapping) or not all(
            isinstance(v, str) for v in resolve.values()
        ):
            raise ConfigError(
                'origin.resolve must map domain names to loopback "host:port" '
                f"strings; got {resolve!r}",
                key="origin.resolve",
            )
        return HttpOrigin(
            url,
            read_timeout=None if rt is None else _number(rt, "origin.read_timeout"),
            resolve=resolve,
        )
    responses = table.get("responses")
    if not isinstance(responses, Mapping):
        raise ConfigError(
            "origin.responses must be a table of paths, e.g. "
            '[origin.responses."/a"] with status, headers and body',
            key="origin.responses",
        )
    out: dict[str, Any] = {}
    for path, spec in responses.items():
        k = f"origin.responses.{path}"
        if not str(path).startswith("/"):
            raise ConfigError(f"{k}: a path must start with '/'; got {path!r}", key=k)
        if isinstance(spec, str):
            out[path] = spec
            continue
        if not isinstance(spec, Mapping) or set(spec) - {"status", "headers", "body"}:
            raise ConfigError(
                f"{k} must be a body string or a table with status, headers and body; got {spec!r}",
                key=k,
            )
        status = spec.get("status", 200)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ConfigError(
                f"{k}.status must be an HTTP status 100-599; got {status!r}", key=f"{k}.status"
            )
        headers = spec.get("headers", {})
        if not isinstance(headers, Mapping):
            raise ConfigError(
                f"{k}.headers must be a table of name = value; got {headers!r}", key=f"{k}.headers"
            )
        out[path] = {
            "status": status,
            "headers": {str(n): str(v) for n, v in headers.items()},
            "body": str(spec.get("body", "")),
        }
    return MappingOrigin(out)


def read_config(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(
            f"config file {str(path)!r} does not exist; give the path of a distribution.toml",
            key="config",
        )
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"config file {str(path)!r} is not valid TOML: {exc}", key="config"
        ) from None


def load_distribution(
    path: str | Path, *, default_isolated: bool = False, **overrides: Any
) -> Distribution:
    """A :class:`Distribution` from a TOML file; ``overrides`` go to its constructor.
    ``default_isolated``: the mode of Python handlers when the file does not set
    ``isolated`` (``edgelab replay`` and ``edgelab serve`` pass True).

    Every value is checked here, once: an error names the file and the key
    (``site/distribution.toml: cache.default_ttl must be ...``)."""
    try:
        return _load(path, default_isolated=default_isolated, **overrides)
    except EdgelabError as exc:
        if f"config file {str(path)!r}" not in str(exc):
            exc.args = (f"{path}: {exc}", *exc.args[1:])
        raise


def _load(path: str | Path, *, default_isolated: bool = False, **overrides: Any) -> Distribution:
    data = read_config(path)
    base = Path(path).resolve().parent
    for name in data:
        if name not in SECTIONS:
            raise ConfigError(f"unknown section [{name}]; allowed: {', '.join(SECTIONS)}", key=name)
    dist = _table(data, "distribution")
    _check_keys(dist, "distribution")
    kw: dict[str, Any] = {}
    for key, arg in (
        ("domain_name", "domain_name"),
        ("id", "distribution_id"),
        ("edge_location", "edge_location"),
    ):
        if key in dist:
            if not isinstance(dist[key], str) or not dist[key]:
                raise ConfigError(
                    f"distribution.{key} must be a non-empty string; got {dist[key]!r}",
                    key=f"distribution.{key}",
                )
            kw[arg] = dist[key]
    if "rules" in dist:
        if not is_rule_set_name(dist["rules"]):
            raise ConfigError(
                f"distribution.rules must be one of {', '.join(RULE_SETS)}; got {dist['rules']!r}",
                key="distribution.rules",
            )
        kw["rules"] = dist["rules"]
    kw["isolated"] = _bool(dist.get("isolated", default_isolated), "distribution.isolated")

    triggers = {}
    for name, value in _table(data, "triggers").items():
        trig = Trigger.parse(name, what="a key of [triggers]", key=f"triggers.{name}")
        triggers[trig] = _handler(value, trig.value, base)

    if "origin" not in data:
        raise ConfigError(
            'the config needs an [origin] table with type = "folder", "http" or "mapping"',
            key="origin",
        )
    kw["origin"] = _origin(_table(data, "origin"), base)

    cache = _table(data, "cache")
    _check_keys(cache, "cache")
    for key in ("default_ttl", "min_ttl", "max_ttl", "error_ttl"):
        if key in cache:
            cache[key] = _ttl(cache[key], f"cache.{key}")
    for key in ("gzip", "brotli"):
        if key in cache:
            _bool(cache[key], f"cache.{key}")
    kw["cache_policy"] = CachePolicy(**cache)

    orp = _table(data, "origin_request_policy")
    _check_keys(orp, "origin_request_policy")
    kw["origin_request_policy"] = OriginRequestPolicy(**orp)

    viewer = _table(data, "viewer")
    for key in viewer:
        if key not in _VIEWER_KEYS:
            raise ConfigError(
                f"[viewer] has an unknown key {key!r}; allowed: {', '.join(_VIEWER_KEYS)}",
                key=f"viewer.{key}",
            )
    if "edge_location" in viewer:
        kw.setdefault("edge_location", viewer.pop("edge_location"))
    kw["viewer_defaults"] = viewer
    if isinstance(kw["origin"], HttpOrigin):
        kw["resolve"] = kw["origin"].resolve
    kw.update(outbound_from_config(data, base))
    kw.update(overrides)
    return Distribution(triggers, **kw)


def outbound_from_config(data: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """``aws`` and ``http`` arguments from a config's ``[aws]`` and ``[http]`` sections
    (what the functions' outbound calls reach); {} when it has neither."""
    out: dict[str, Any] = {}
    if "aws" in data:
        out["aws"] = aws_from_config(_table(data, "aws"), base)
    if "http" in data:
        out["http"] = http_mocks_from_config(_table(data, "http"))
    return out


def _ttl(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(
            f"{key} must be a number of seconds, 0 or more (CloudFront cache "
            f"policy TTL); got {value!r}",
            key=key,
        )
    return float(value)


def check_distribution(path: str | Path) -> None:
    """Load the distribution in ``path`` once, as a dry run, and close it.

    Every value is checked and every handler imported, Python ones in worker processes
    (the runtime's isolated mode), so a handler that calls ``os._exit`` or hangs while
    importing is reported as a :class:`~edgelab.errors.HandlerLoadError` instead of
    taking the caller with it. Replay (before its supervised or parallel processes) and
    ``edgelab serve`` (for in-process handlers) call this, so one worker and N workers
    refuse the same config with the same message.
    """
    load_distribution(path, isolated=True).close()
