"""Origins by id: what CloudFront sends each origin, and what serves it on this machine.

An :class:`OriginTarget` pairs the origin CloudFront knows (its ``request.origin`` block:
``s3`` or ``custom`` with the domain name, origin path, ports, protocol, timeouts and
custom headers, lambda-edge-facts §1.6, distribution facts §1.2) with the local callable
that answers for it (:mod:`edgelab.edge.origins`: a folder, a mapping, a local HTTP
server, any callable) or, for an origin nobody mapped, :class:`EchoOrigin`.

So origin-request and origin-response functions see the origin as deployed, while the
request is answered locally. :class:`LocalHttpOrigin` is the bridge for a local server:
the origin block says ``https://api.example.com:443/v1``, the request goes to
``http://127.0.0.1:9000/v1/...``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..event.build import custom_origin, s3_origin
from ..event.headers import Headers, header_map
from ..runtimes.python import parse_python_spec
from .locations import s3_region
from .origins import (
    CallableOrigin,
    FolderOrigin,
    HttpOrigin,
    MappingOrigin,
    Origin,
    make_response,
    origin_path,
)

LOCAL_KINDS = ("folder", "http", "mapping", "callable", "echo")


class EchoOrigin:
    """The origin for an origin id nobody mapped to something local: a 200 with a small
    JSON body naming the origin id, the method, the uri, the path an HTTP origin would get
    (origin path + uri), the query string and the headers it received (custom headers
    included)."""

    def __init__(self, origin_id: str, origin_object: dict[str, Any]) -> None:
        self.origin_id = origin_id
        self.origin_object = origin_object

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        body = {
            "echo": "edgelab's echo origin: map this origin to a folder or a local server "
            f"with --origin {self.origin_id}=DIR_OR_URL",
            "origin_id": self.origin_id,
            "method": request.get("method", "GET"),
            "uri": request.get("uri", "/"),
            "path": origin_path(request) + request.get("uri", "/"),
            "querystring": request.get("querystring", ""),
            "headers": dict(Headers(request.get("headers", {})).multi_items()),
        }
        return make_response(
            200,
            json.dumps(body, indent=1, sort_keys=True),
            {"Content-Type": "application/json"},
        )


class LocalHttpOrigin:
    """A local HTTP server standing in for a deployed origin: a request whose origin
    block still names the deployed origin (its domain name) goes to ``url`` (the URL's
    path, then the block's origin path, then the uri), keeping the block's custom headers
    and read timeout; any other block (a function switched origin) goes where it says
    (:class:`~edgelab.edge.origins.HttpOrigin`)."""

    def __init__(
        self,
        url: str,
        origin_object: Mapping[str, Any],
        *,
        read_timeout: float | None = None,
        resolve: Mapping[str, str] | None = None,
    ) -> None:
        self.http = HttpOrigin(url, read_timeout=read_timeout, resolve=resolve)
        self.origin_object = dict(origin_object)
        self.url = url
        self._local = self.http.origin_object["custom"]

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        block = request.get("origin")
        if block is not None and _same_origin(block, self.origin_object):
            deployed = next(iter(block.values()))
            local = {
                **self._local,
                "path": self._local["path"] + deployed.get("path", ""),
                "readTimeout": deployed.get("readTimeout", self._local["readTimeout"]),
                "customHeaders": deployed.get("customHeaders", {}),
            }
            request = {**request, "origin": {"custom": local}}
        return self.http(request)

    def close(self) -> None:
        self.http.close()


def _same_origin(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two origin blocks name the same origin (kind and domain name)."""
    (ka, va), (kb, vb) = next(iter(a.items())), next(iter(b.items()))
    return ka == kb and str(va.get("domainName", "")).lower() == (
        str(vb.get("domainName", "")).lower()
    )


def kind_of(origin: Any) -> str:
    """The local kind of an origin callable (folder, http, mapping, echo, callable)."""
    for cls, kind in (
        (FolderOrigin, "folder"),
        (HttpOrigin, "http"),
        (LocalHttpOrigin, "http"),
        (MappingOrigin, "mapping"),
        (EchoOrigin, "echo"),
    ):
        if isinstance(origin, cls):
            return kind
    return "callable"


@dataclass
class OriginTarget:
    """One origin of a distribution by id; see the module docstring.

    ``origin_object`` is the block CloudFront puts in ``request.origin``;
    ``https_object`` the one for HTTPS viewers when the origin matches the viewer's
    protocol (``match-viewer``). ``s3_region`` is the bucket's Region for an S3 origin
    (the regional edge cache is bypassed in it, facts §8).
    """

    id: str
    local: Origin
    origin_object: dict[str, Any]
    https_object: dict[str, Any] | None = None
    kind: str = ""
    mapped_by: str = "definition"
    spec: Any = None
    s3_region: str | None = field(default=None)

    def __post_init__(self) -> None:
        self.kind = self.kind or kind_of(self.local)
        if self.s3_region is None and "s3" in self.origin_object:
            self.s3_region = s3_region(self.origin_object["s3"].get("domainName", ""))

    def block(self, scheme: str) -> dict[str, Any]:
        """``request.origin`` for a viewer on ``scheme`` (http or https)."""
        if scheme == "https" and self.https_object is not None:
            return self.https_object
        return self.origin_object

    @classmethod
    def of(cls, origin: Callable[[dict[str, Any]], Any], origin_id: str = "origin") -> OriginTarget:
        """A target for a plain origin callable (``Distribution(origin=...)``)."""
        local = origin if hasattr(origin, "origin_object") else CallableOrigin(origin)
        return cls(origin_id, local, local.origin_object, mapped_by="python")  # type: ignore[attr-defined]


def origin_blocks(spec: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ``request.origin`` blocks of a model origin (``definitions.Origin``): for HTTP
    viewers, and for HTTPS viewers when they differ (``match-viewer``)."""
    custom_headers = header_map(list(spec.custom_headers))
    if spec.kind == "s3":
        oai = spec.origin_access_identity
        region = s3_region(spec.domain_name) or "us-east-1"
        block = s3_origin(
            spec.domain_name,
            path=spec.origin_path,
            auth_method="origin-access-identity" if oai else "none",
            region=region if oai else "",
        )
        block["s3"]["customHeaders"] = custom_headers
        return block, None

    def custom(protocol: str) -> dict[str, Any]:
        block = custom_origin(
            spec.domain_name,
            port=spec.https_port if protocol == "https" else spec.http_port,
            protocol=protocol,
            path=spec.origin_path,
            keepalive_timeout=_whole(spec.keepalive_timeout),
            read_timeout=_whole(spec.read_timeout),
            **({"ssl_protocols": spec.ssl_protocols} if spec.ssl_protocols else {}),
        )
        block["custom"]["customHeaders"] = custom_headers
        return block

    policy = spec.protocol_policy or "https-only"
    if policy == "match-viewer":
        return custom("http"), custom("https")
    return custom("http" if policy == "http-only" else "https"), None


def _whole(value: float) -> int:
    """Whole seconds, as the event's timeouts are (lambda-edge-facts §1.6)."""
    return round(value)


def local_origin(spec: Any, block: dict[str, Any]) -> Origin:
    """The local callable for a model origin's ``local`` target."""
    t = spec.local
    if t.kind == "folder":
        bucket = spec.domain_name.split(".s3", 1)[0] if spec.kind == "s3" else "edgelab-site"
        return FolderOrigin(t.path, missing=t.missing, bucket=bucket or "edgelab-site")
    if t.kind == "http":
        return LocalHttpOrigin(t.url, block, read_timeout=t.read_timeout, resolve=t.resolve)
    if t.kind == "mapping":
        return MappingOrigin(t.responses, domain_name=spec.domain_name)
    if t.kind == "callable":
        handler = import_callable(t.handler) if isinstance(t.handler, str) else t.handler
        if not callable(handler):
            raise ConfigError(
                f"origin {spec.id}: a callable origin needs a function; got {handler!r}",
                key=f"origins.{spec.id}.handler",
            )
        return CallableOrigin(handler, domain_name=spec.domain_name)
    return EchoOrigin(spec.id, block)


def import_callable(spec: str) -> Callable[..., Any]:
    """The function a ``file.py:func`` or ``package.module:func`` spec names (a callable
    origin of a definition)."""
    target, func, is_file = parse_python_spec(spec)
    try:
        if is_file:
            path = Path(target).resolve()
            loader_spec = importlib.util.spec_from_file_location(
                f"_edgelab_origin_{path.stem}", path
            )
            assert loader_spec is not None and loader_spec.loader is not None
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except Exception as exc:
        raise ConfigError(
            f"the callable origin {spec!r} does not import: {type(exc).__name__}: {exc}",
            key="origin.handler",
        ) from None
    fn = getattr(module, func or "origin", None)
    if not callable(fn):
        raise ConfigError(
            f"the callable origin {spec!r} names no function {func or 'origin'!r}",
            key="origin.handler",
        )
    return fn


def target_from_spec(spec: Any) -> OriginTarget:
    """An :class:`OriginTarget` for a model origin (``definitions.Origin``)."""
    block, https = origin_blocks(spec)
    return OriginTarget(
        spec.id,
        local_origin(spec, block),
        block,
        https,
        kind=spec.local.kind,
        mapped_by=spec.local.mapped_by,
        spec=spec,
    )
