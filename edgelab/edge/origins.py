"""Origins: anything callable from an origin request to a response.

An origin takes the request CloudFront sends (the ``cf.request`` shape after origin
request: ``method``, ``uri``, ``querystring``, ``headers``, ``origin``, and ``body`` as
``{"encoding", "data"}`` when there is one) and returns a response in CloudFront's shape
(``status``, ``statusDescription``, ``headers`` map, ``body`` string with
``bodyEncoding`` ``text`` or ``base64``). So a plain function or a lambda is an origin.

* :class:`MappingOrigin`: ``{"/path": response}`` in memory;
* :class:`CallableOrigin`: wraps a function with a lenient result shape;
* :class:`FolderOrigin`: a local folder served like an S3 bucket (content type,
  ``ETag`` = quoted MD5, ``Last-Modified``, conditional GETs); a missing key answers
  ``403 AccessDenied`` by default, as S3 does for a bucket policy without
  ``s3:ListBucket`` (the usual CloudFront + OAC set-up), or ``404 NoSuchKey``;
  no automatic directory index (S3 has none);
* :class:`HttpOrigin`: a real HTTP server, requested with httpx at the place
  ``request.origin.custom`` names (so a handler that switches origin really reaches the
  other one); only loopback addresses are ever connected to.

A folder or a mapping answers for the origin path of the request's origin block plus the
uri, as a bucket or a server would (``/v1`` + ``/users`` is the key ``v1/users``, facts
§1.2).

An origin that cannot be reached raises :class:`OriginError` with CloudFront's status
(502 for a refused connection, 504 for a timeout); the chain turns it into an error
response.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import mimetypes
import os
import socket
from collections.abc import Callable, Mapping
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from stat import S_ISLNK, S_ISREG
from typing import Any
from urllib.parse import SplitResult, unquote_to_bytes, urlsplit
from xml.sax.saxutils import escape as xml_escape

from ..errors import ConfigError, OriginError
from ..event.build import custom_origin, s3_origin, status_phrase
from ..event.headers import HeaderMap, Headers, first_value, header_map
from ..runtimes.base import steady_block

Origin = Callable[[dict[str, Any]], dict[str, Any]]
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "upgrade",
        "proxy-connection",
        "te",
        "trailer",
    }
)


def make_response(
    status: int,
    body: bytes | str | None = None,
    headers: HeaderMap | Mapping[str, str] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """A response in CloudFront's shape; bytes that are not UTF-8 are base64-encoded."""
    if headers and all(isinstance(v, list) for v in headers.values()):
        hmap: HeaderMap = {
            k.lower(): v
            for k, v in headers.items()  # type: ignore[misc]
            if isinstance(v, list)
        }
    else:
        hmap = header_map(headers or {})  # type: ignore[arg-type]
    resp: dict[str, Any] = {
        "status": str(int(status)),
        "statusDescription": description or status_phrase(status),
        "headers": hmap,
    }
    if body is not None:
        _set_body(resp, body)
    return resp


def _set_body(resp: dict[str, Any], body: bytes | str) -> None:
    """``body`` into ``resp``: text, or base64 for bytes that are not UTF-8."""
    if isinstance(body, bytes):
        try:
            resp["body"], resp["bodyEncoding"] = body.decode("utf-8"), "text"
        except UnicodeDecodeError:
            resp["body"] = base64.b64encode(body).decode("ascii")
            resp["bodyEncoding"] = "base64"
    else:
        resp["body"], resp["bodyEncoding"] = str(body), "text"


def body_bytes(message: Mapping[str, Any]) -> bytes:
    """The body of a response (or request body dict) as bytes."""
    body = message.get("body")
    if isinstance(body, Mapping):  # a request body {encoding, data}
        data, enc = body.get("data", ""), body.get("encoding", "base64")
    else:
        data, enc = body, message.get("bodyEncoding", "text")
    if not data:
        return b""
    return base64.b64decode(data) if enc == "base64" else str(data).encode("utf-8")


def body_size(message: Mapping[str, Any]) -> int:
    """``len(body_bytes(message))``, without the bytes for an ASCII text body (the usual
    case: one character, one byte)."""
    body = message.get("body")
    if type(body) is str and body.isascii() and message.get("bodyEncoding", "text") != "base64":
        return len(body)
    return len(body_bytes(message))


def as_response(value: Any) -> dict[str, Any]:
    """Lenient: a CloudFront response dict, ``(status, body)``, a str/bytes body (200),
    or a dict with an int status and plain ``{name: value}`` headers."""
    if isinstance(value, Mapping) and "status" in value:
        resp = make_response(
            int(value["status"]),
            value.get("body") if value.get("bodyEncoding") != "base64" else None,
            value.get("headers"),
            value.get("statusDescription"),
        )
        if value.get("bodyEncoding") == "base64":
            resp["body"], resp["bodyEncoding"] = value.get("body", ""), "base64"
        return resp
    if isinstance(value, tuple) and len(value) in (2, 3):
        return make_response(int(value[0]), value[1], value[2] if len(value) == 3 else None)
    if isinstance(value, str | bytes):
        return make_response(200, value)
    raise TypeError(
        f"an origin must return a response (a dict with a status, (status, body) or "
        f"a body); got {type(value).__name__}"
    )


def origin_path(request: Mapping[str, Any]) -> str:
    """The origin path of the request's origin block (``""`` without one): what an
    origin gets before the uri (distribution facts §1.2: ``/production`` + ``/a.html``)."""
    block = request.get("origin")
    if not block or not isinstance(block, dict):
        return ""
    for fields in block.values():  # one s3 or custom block
        path = fields.get("path", "") if isinstance(fields, dict) else ""
        return path if isinstance(path, str) else ""
    return ""


class MappingOrigin:
    """``{"/path": response}``: a path (or ``/path?query``) maps to a response-like value."""

    def __init__(
        self, responses: Mapping[str, Any], *, domain_name: str = "origin.example"
    ) -> None:
        self.responses = {k: as_response(v) for k, v in responses.items()}
        self.origin_object = custom_origin(domain_name)

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        uri, qs = origin_path(request) + request.get("uri", "/"), request.get("querystring", "")
        resp = self.responses.get(f"{uri}?{qs}") if qs else None
        resp = resp or self.responses.get(uri)
        if resp is None:
            return make_response(404, "Not Found", {"Content-Type": "text/plain"})
        return {**resp, "headers": dict(resp["headers"])}


class CallableOrigin:
    """A function ``(request) -> response-like`` as an origin (see :func:`as_response`)."""

    def __init__(
        self, fn: Callable[[dict[str, Any]], Any], *, domain_name: str = "origin.example"
    ) -> None:
        self.fn = fn
        self.origin_object = custom_origin(domain_name)

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        return as_response(self.fn(request))


_S3_ERRORS = {
    "AccessDenied": (403, "Access Denied"),
    "NoSuchKey": (404, "The specified key does not exist."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "InvalidURI": (400, "Couldn't parse the specified URI."),
    "KeyTooLongError": (400, "Your key is too long"),
}
#: S3's longest object key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024


#: A folder origin keeps the bytes of files up to KEPT_FILE_BYTES, KEPT_BYTES in all (a
#: site's pages and assets are read once per version, not once per request).
KEPT_FILE_BYTES = 256 * 1024
KEPT_BYTES = 32 * 1024 * 1024
_UNSEEN = object()
_OK, _NOT_MODIFIED = status_phrase(200), status_phrase(304)
_PHRASES = {status: status_phrase(status) for status, _ in _S3_ERRORS.values()}


def _object_key(uri: str) -> tuple[str, int]:
    """The object key of ``uri`` (percent-decoded, UTF-8, without leading slashes) and
    its size in UTF-8 bytes; raises UnicodeError for a key that is not UTF-8."""
    if "%" in uri:
        key = unquote_to_bytes(uri).decode("utf-8").lstrip("/")
    else:  # nothing to decode: the key is the uri's own text (a lone surrogate raises)
        key = uri.lstrip("/")
        if key.isascii():
            return key, len(key)
    return key, len(key.encode("utf-8"))


class FolderOrigin:
    """A local folder served like an S3 bucket (see the module docstring)."""

    def __init__(
        self, root: str | Path, *, missing: int = 403, bucket: str = "edgelab-site"
    ) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise ConfigError(
                f"origin.path must be an existing folder; {str(root)!r} is not one",
                key="origin.path",
            )
        if missing not in (403, 404):
            raise ConfigError(
                f"origin.missing must be 403 (AccessDenied, S3 without "
                f"ListBucket) or 404 (NoSuchKey); got {missing!r}",
                key="origin.missing",
            )
        self.missing = missing
        self.origin_object = s3_origin(f"{bucket}.s3.us-east-1.amazonaws.com")
        # the resolved folder as text: a key's real path is inside when it starts so
        self._root = str(self.root)
        self._inside = self._root if self._root.endswith(os.sep) else self._root + os.sep
        # per (real path, mtime_ns, size): its ETag, Last-Modified and Content-Type,
        # worked out once per version of a file (a changed file has another stamp)
        self._etags: dict[tuple[str, int, int], tuple[str, str, str]] = {}
        # the bytes of small files, per version too (at most KEPT_BYTES in all)
        self._bodies: dict[tuple[str, int, int], bytes] = {}
        self._kept = 0
        # (a steady_files block, the keys looked up in it): see _found
        self._seen: tuple[object | None, dict[str, Any]] = (None, {})

    def _error(self, code: str, key: str, uri: str) -> dict[str, Any]:
        status, message = _S3_ERRORS[code]
        # S3's request id: worked out from the uri, and only for an error (its one use)
        request_id = hashlib.md5(uri.encode("utf-8", "replace")).hexdigest()[:16].upper()
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message>"
            + (f"<Key>{xml_escape(key)}</Key>" if code == "NoSuchKey" else "")
            + f"<RequestId>{request_id}</RequestId><HostId>edgelab</HostId></Error>"
        )
        # make_response(status, body, {"Content-Type": ..., "Server": ...}), built directly
        resp: dict[str, Any] = {
            "status": str(status),
            "statusDescription": _PHRASES[status],
            "headers": {
                "content-type": [{"key": "Content-Type", "value": "application/xml"}],
                "server": [{"key": "Server", "value": "AmazonS3"}],
            },
        }
        _set_body(resp, body)
        return resp

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        """S3's answer for the request's key; never raises, never shows a local path."""
        method = request.get("method", "GET")
        uri = request.get("uri", "/")
        uri = origin_path(request) + (uri if isinstance(uri, str) else "/")
        missing = "AccessDenied" if self.missing == 403 else "NoSuchKey"
        try:
            key, size = _object_key(uri)
        except UnicodeError:  # not UTF-8 once decoded (or a lone surrogate)
            return self._error("InvalidURI", "", uri)
        if "\x00" in key:
            return self._error("InvalidURI", "", uri)
        if size > MAX_KEY_BYTES:
            return self._error("KeyTooLongError", "", uri)
        if method not in ("GET", "HEAD"):
            return self._error("MethodNotAllowed", key, uri)
        try:
            return self._object(request, method, key, uri, missing)
        except PermissionError:  # a file the bucket may not read
            return self._error("AccessDenied", key, uri)
        except (OSError, ValueError, RuntimeError):
            # a name too long for this file system, a symlink loop ...: no such object
            return self._error(missing, key, uri)

    def _object(
        self, request: dict[str, Any], method: str, key: str, uri: str, missing: str
    ) -> dict[str, Any]:
        if not key or key.endswith("/"):
            return self._error(missing, key, uri)
        found = self._found(key)
        if found is None:
            return self._error(missing, key, uri)
        path, st = found
        stamp = (path, st.st_mtime_ns, st.st_size)
        known = self._etags.get(stamp)
        data = self._bodies.get(stamp)
        if known is None:
            data = self._read(path, stamp)
            ctype = mimetypes.guess_type(os.path.basename(path))[0] or "binary/octet-stream"
            known = self._etags[stamp] = (
                f'"{hashlib.md5(data).hexdigest()}"',
                formatdate(st.st_mtime, usegmt=True),
                ctype,
            )
        etag, last_modified, ctype = known
        # the response's header map, built as make_response builds it from S3's headers
        headers: HeaderMap = {
            "last-modified": [{"key": "Last-Modified", "value": last_modified}],
            "etag": [{"key": "ETag", "value": etag}],
            "accept-ranges": [{"key": "Accept-Ranges", "value": "bytes"}],
            "content-type": [{"key": "Content-Type", "value": ctype}],
            "content-length": [{"key": "Content-Length", "value": str(st.st_size)}],
            "server": [{"key": "Server", "value": "AmazonS3"}],
        }
        asked = request.get("headers", {})
        if asked is None:  # as Headers(None) reads it: no headers
            asked = {}
        inm = first_value(asked, "if-none-match")
        ims = first_value(asked, "if-modified-since") if inm is None else None
        if (inm is not None and inm in (etag, "*")) or (ims is not None and _not_modified(ims, st)):
            del headers["content-length"]
            return {"status": "304", "statusDescription": _NOT_MODIFIED, "headers": headers}
        resp: dict[str, Any] = {"status": "200", "statusDescription": _OK, "headers": headers}
        if method == "HEAD":
            return resp
        if data is None:
            data = self._read(path, stamp)
        _set_body(resp, data)
        return resp

    def _found(self, key: str) -> tuple[str, os.stat_result] | None:
        """The real path of ``key`` and its ``stat``, None when it is no file inside the
        folder; raises OSError for a key that cannot be looked at (see ``__call__``).
        Inside a ``steady_files`` block (a replay's piece of rows) a key is looked up
        once per block: a file changed meanwhile is seen from the next piece on."""
        block = steady_block()
        if block is None:
            return self._look(key)
        kept_in, seen = self._seen
        if kept_in is not block:  # one attribute: threads in other blocks never mix
            seen = {}
            self._seen = (block, seen)
        found = seen.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = seen[key] = self._look(key)
        return found  # type: ignore[return-value]

    def _look(self, key: str) -> tuple[str, os.stat_result] | None:
        """The real path (symlinks and ".." resolved) and ``stat`` of ``key``: only a file
        inside the folder counts. The usual key, plain names without a symlink, is
        walked from the resolved folder, an ``lstat`` per name (the last one is the
        file's ``stat``); anything else is resolved in full by ``os.path.realpath``."""
        path, st = self._root.rstrip(os.sep), None
        for part in key.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                return self._resolved(key)
            path = f"{path}{os.sep}{part}"
            try:
                st = os.lstat(path)
            except OSError:
                return self._resolved(key)
            if S_ISLNK(st.st_mode):
                return self._resolved(key)
        if st is None or not S_ISREG(st.st_mode):
            return None
        return path, st

    def _resolved(self, key: str) -> tuple[str, os.stat_result] | None:
        path = os.path.realpath(os.path.join(self._root, key))
        if not path.startswith(self._inside):
            return None
        st = os.stat(path)  # gone, a loop ...: OSError, no such object (see __call__)
        return (path, st) if S_ISREG(st.st_mode) else None

    def _read(self, path: str, stamp: tuple[str, int, int]) -> bytes:
        """The file's bytes; a small file's are kept per version (:data:`KEPT_BYTES`)."""
        with open(path, "rb") as fh:
            data = fh.read()
        if len(data) <= KEPT_FILE_BYTES and self._kept + len(data) <= KEPT_BYTES:
            self._bodies[stamp] = data
            self._kept += len(data)
        return data


def _not_modified(since: str, st: os.stat_result) -> bool:
    try:
        return int(st.st_mtime) <= parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return False


MAX_READ_TIMEOUT_S = 120


def _is_loopback_name(host: str) -> bool:
    """``localhost`` or a loopback IP literal (no DNS lookup)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_resolve(resolve: Any) -> dict[str, str]:
    """``{"name": "127.0.0.1:9000"}``: names mapped to a loopback ``host[:port]``."""
    if resolve is None:
        return {}
    if not isinstance(resolve, Mapping):
        raise ConfigError(
            f'origin.resolve must map domain names to loopback "host:port" '
            f"strings; got a {type(resolve).__name__}",
            key="origin.resolve",
        )
    out = {}
    for name, target in resolve.items():
        key = f"origin.resolve.{name}"
        host, port = (
            (target.rpartition(":")[0], target.rpartition(":")[2])
            if isinstance(target, str) and target.count(":") == 1
            else (target, None)
        )
        if isinstance(target, str) and target.startswith("[") and "]:" in target:
            host, _, port = target.rpartition(":")
        ok_port = port is None or (port.isdigit() and port.isascii() and 0 < int(port) < 65536)
        if (
            not isinstance(name, str)
            or not name
            or not isinstance(host, str)
            or not _is_loopback_name(host)
            or not ok_port
        ):
            raise ConfigError(
                f'{key} must be a loopback "host:port" such as "127.0.0.1:9000" '
                f"(host: localhost or a loopback address; port: 1-65535); got {target!r}",
                key="origin.resolve",
            )
        out[name.lower()] = target
    return out


def check_http_origin(
    url: Any, *, resolve: Any = None, read_timeout: Any = None, connect_timeout: Any = 5.0
) -> tuple[SplitResult, int, dict[str, str]]:
    """The checks of :class:`HttpOrigin` (a ConfigError naming ``origin.KEY`` otherwise):
    an http(s) URL whose host is on loopback or mapped in ``resolve``, ``resolve`` values
    that are loopback ``host:port``, timeouts in (0, 120] seconds. Returns the split URL,
    its port and the lowercased ``resolve`` map."""
    if not isinstance(url, str):
        raise ConfigError(
            f"origin.url must be a URL such as http://127.0.0.1:8000; got a {type(url).__name__}",
            key="origin.url",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"origin.url must be an http:// or https:// URL with a host, such "
            f"as http://127.0.0.1:8000; got {url!r}",
            key="origin.url",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConfigError(
            f"origin.url has an invalid port (allowed: 1-65535); got {url!r}", key="origin.url"
        ) from None
    mapped = check_resolve(resolve)
    host = parts.hostname
    if not _is_loopback_name(host) and host.lower() not in mapped:
        raise ConfigError(
            f"origin.url names the host {host!r}, which is not a loopback address: edgelab "
            f"only connects to this machine. Use http://127.0.0.1:PORT, or keep the name and "
            f'map it in resolve (origin.resolve = {{"{host}" = "127.0.0.1:{port}"}})',
            key="origin.resolve",
        )
    for name, value in (
        ("origin.read_timeout", read_timeout),
        ("origin.connect_timeout", connect_timeout),
    ):
        if value is None and name == "origin.read_timeout":
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value <= MAX_READ_TIMEOUT_S
        ):
            raise ConfigError(
                f"{name} must be a number of seconds above 0 and at most "
                f"{MAX_READ_TIMEOUT_S} (CloudFront's response timeout is 1-120 s, "
                f"distribution facts §1.2; fractions are allowed for quick tests); got "
                f"{value!r}",
                key=name,
            )
    return parts, port, mapped


def _loopback_target(host: str, resolve: Mapping[str, str]) -> tuple[str, int | None]:
    """The loopback address to connect to for ``host`` (and a port from ``resolve``)."""
    mapped = resolve.get(host.lower())
    port: int | None = None
    if mapped:
        if mapped.startswith("[") and "]:" in mapped:
            host, _, p = mapped.rpartition(":")
        else:
            host, _, p = mapped.rpartition(":") if mapped.count(":") == 1 else (mapped, "", "")
        port = int(p) if p else None
    if host.lower() == "localhost":
        return "127.0.0.1", port
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError as exc:
            raise OriginError(502, f"origin domain {host!r} does not resolve: {exc}") from None
        addrs = {ipaddress.ip_address(i[4][0]) for i in infos}
        if not addrs or not all(a.is_loopback for a in addrs):
            raise OriginError(
                502,
                f"origin domain {host!r} is not a loopback address; edgelab "
                "only connects to this machine (map it with origin.resolve)",
            ) from None
        addr = sorted(addrs, key=lambda a: a.version)[0]
    if not addr.is_loopback:
        raise OriginError(
            502,
            f"origin address {host!r} is not a loopback address; edgelab "
            "only connects to this machine",
        )
    return (f"[{addr}]" if addr.version == 6 else str(addr)), port


def _origin_headers(request: Mapping[str, Any], custom: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The header lines an HTTP origin gets: the request's, without hop-by-hop headers
    and ``Content-Length`` (the client sets it), then the origin's custom headers."""
    raw = request.get("headers", {})
    sent = {n: es for n, es in raw.items() if n not in HOP_BY_HOP and n != "content-length"}
    return Headers(sent).multi_items() + Headers(custom.get("customHeaders", {})).multi_items()


class HttpOrigin:
    """A real HTTP origin on this machine, at ``url`` (e.g. ``http://127.0.0.1:8000``).

    Each request goes where its ``origin.custom`` says (protocol, domainName, port,
    path); ``resolve`` maps domain names a handler may switch to onto loopback
    ``host[:port]``. ``read_timeout`` (seconds) overrides the event's ``readTimeout``.
    """

    def __init__(
        self,
        url: str,
        *,
        read_timeout: float | None = None,
        connect_timeout: float = 5.0,
        resolve: Mapping[str, str] | None = None,
    ) -> None:
        import httpx

        parts, port, self.resolve = check_http_origin(
            url, resolve=resolve, read_timeout=read_timeout, connect_timeout=connect_timeout
        )
        self.url = url
        host = parts.hostname or ""
        try:
            ipaddress.ip_address(host)
            # CloudFront wants a DNS name for a custom origin (§1.6): name the loopback one.
            domain = "localhost"
        except ValueError:
            domain = host
        self.origin_object = custom_origin(
            domain, port=port, protocol=parts.scheme, path=parts.path.rstrip("/")
        )
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self._client = httpx.Client(trust_env=False, verify=False, follow_redirects=False)

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        origin = request.get("origin") or self.origin_object
        custom = origin.get("custom")
        if custom is None:
            raise OriginError(
                502,
                "the request's origin is an S3 origin; an http origin serves only custom origins",
            )
        url = self._url(custom, request)
        resp, data = self._send(request, url, _origin_headers(request, custom), custom)
        enc = resp.headers.encoding
        out = [
            (k.decode(enc), v.decode(enc))
            for k, v in resp.headers.raw
            if k.decode(enc).lower() not in HOP_BY_HOP
        ]
        return make_response(
            resp.status_code,
            data if request.get("method") != "HEAD" else None,
            header_map(out),
            resp.reason_phrase or None,
        )

    def _url(self, custom: Mapping[str, Any], request: Mapping[str, Any]) -> str:
        """The loopback URL the request goes to: its custom origin's protocol, resolved
        host and port, origin path, then the uri and query string."""
        host, port = _loopback_target(custom["domainName"], self.resolve)
        port = port or int(custom.get("port") or 80)
        scheme = custom.get("protocol", "http")
        qs = request.get("querystring", "")
        return f"{scheme}://{host}:{port}{custom.get('path', '')}{request.get('uri', '/')}" + (
            f"?{qs}" if qs else ""
        )

    def _send(
        self,
        request: Mapping[str, Any],
        url: str,
        headers: list[tuple[str, str]],
        custom: Mapping[str, Any],
    ) -> tuple[Any, bytes]:
        """Send the request within the origin's read timeout; (the httpx response, its
        raw body). A timeout is a 504 :class:`OriginError`, any other failure a 502."""
        import httpx

        read = (
            self.read_timeout
            if self.read_timeout is not None
            else float(custom.get("readTimeout", 30))
        )
        timeout = httpx.Timeout(read, connect=min(self.connect_timeout, read))
        content = body_bytes(request) if request.get("body") else None
        try:
            req = self._client.build_request(
                request.get("method", "GET"), url, headers=headers, content=content, timeout=timeout
            )
            resp = self._client.send(req, stream=True)
            try:
                data = b"".join(resp.iter_raw())
            finally:
                resp.close()
        except httpx.TimeoutException as exc:
            raise OriginError(
                504, f"the origin at {url} did not answer in time ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise OriginError(
                502, f"the origin at {url} cannot be reached: {type(exc).__name__}: {exc}"
            ) from None
        return resp, data

    def close(self) -> None:
        self._client.close()
