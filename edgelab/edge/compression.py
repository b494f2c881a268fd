"""Compression at the edge (distribution facts §3.4): a behaviour with ``compress`` on
has CloudFront compress what the origin sends before it is cached.

:class:`Compress` (a stage unit between the cache and the origin side) compresses a
response on its way back from the origin, after origin response, when

* the viewer's ``Accept-Encoding``, as the cache key normalises it, names ``br`` or
  ``gzip`` and the cache policy caches that encoding (Brotli is preferred when both
  are possible; HTTP/1.0 viewers get no compression);
* the status is 200, 403 or 404, the response has a ``Content-Length`` of 1,000 to
  10,000,000 bytes, no ``Content-Encoding``, and a ``Content-Type`` of
  :data:`COMPRESSIBLE_TYPES` (the guide's list, "File types that CloudFront
  compresses");

then the body is compressed, ``Content-Encoding`` is set, the origin's ``Content-Length``
is dropped (it described the uncompressed body), and a strong ``ETag`` becomes weak
(``W/"..."``; an invalid one is removed). The compressed object is what the cache keeps,
under the key's normalised ``Accept-Encoding``.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

import brotli

from ..event.headers import Headers
from .exchange import Exchange, Reply
from .origins import body_bytes
from .stage import StageUnit

#: facts §3.4 (2023 DOC ServingCompressedFiles.md, "File types that CloudFront compresses")
COMPRESSIBLE_TYPES = frozenset(
    {
        "application/dash+xml",
        "application/eot",
        "application/font",
        "application/font-sfnt",
        "application/javascript",
        "application/json",
        "application/opentype",
        "application/otf",
        "application/pkcs7-mime",
        "application/protobuf",
        "application/rss+xml",
        "application/truetype",
        "application/ttf",
        "application/vnd.apple.mpegurl",
        "application/vnd.ms-fontobject",
        "application/xhtml+xml",
        "application/xml",
        "application/x-font-opentype",
        "application/x-font-truetype",
        "application/x-font-ttf",
        "application/x-httpd-cgi",
        "application/x-javascript",
        "application/x-mpegurl",
        "application/x-opentype",
        "application/x-otf",
        "application/x-perl",
        "application/x-ttf",
        "font/eot",
        "font/opentype",
        "font/otf",
        "font/ttf",
        "image/svg+xml",
        "text/css",
        "text/csv",
        "text/html",
        "text/javascript",
        "text/js",
        "text/plain",
        "text/richtext",
        "text/tab-separated-values",
        "text/xml",
        "text/x-component",
        "text/x-java-source",
        "text/x-script",
        "vnd.apple.mpegurl",
    }
)
COMPRESSIBLE_STATUSES = frozenset({200, 403, 404})
MIN_SIZE, MAX_SIZE = 1_000, 10_000_000


def _first(headers: dict[str, list[dict[str, str]]], name: str) -> str | None:
    return Headers(headers).get(name)


class Compress(StageUnit):
    """Compress what comes back from the origin (see the module docstring)."""

    @classmethod
    def wanted(cls, dist: object, behavior: object) -> bool:
        return bool(getattr(behavior, "compress", False))

    def __call__(self, ex: Exchange) -> Reply:
        reply = self.next(ex)
        if reply.failed or reply.generated_by is not None or ex.request["method"] == "HEAD":
            return reply
        encoding = self.encoding(ex)
        if encoding is None:
            return reply
        return Reply(self.compressed(reply.response, encoding), reply.cache, reply.generated_by)

    def encoding(self, ex: Exchange) -> str | None:
        """``br`` or ``gzip`` as the viewer and the cache policy allow, or None."""
        if ex.viewer.http_version.startswith(("0.", "1.0")):
            return None
        accept = _first(ex.request["headers"], "accept-encoding")
        normalised = self.behavior.cache_policy.accept_encoding(accept)
        if normalised == "br,gzip":
            return "br"
        return normalised

    @staticmethod
    def compressible(response: dict[str, Any]) -> bool:
        headers = response.get("headers")
        if (
            not isinstance(headers, dict)
            or "content-encoding" in headers
            or not response.get("body")
        ):
            return False
        if int(str(response.get("status", 0))) not in COMPRESSIBLE_STATUSES:
            return False
        ctype = (_first(headers, "content-type") or "").split(";")[0].strip().lower()
        length = _first(headers, "content-length")
        return (
            ctype in COMPRESSIBLE_TYPES
            and length is not None
            and length.isdigit()
            and MIN_SIZE <= int(length) <= MAX_SIZE
        )

    def compressed(self, response: dict[str, Any], encoding: str) -> dict[str, Any]:
        if not self.compressible(response):
            return response
        data = body_bytes(response)
        packed = brotli.compress(data) if encoding == "br" else gzip.compress(data, mtime=0)
        headers = {k: v for k, v in response["headers"].items() if k != "content-length"}
        headers["content-encoding"] = [{"key": "Content-Encoding", "value": encoding}]
        etag = _first(headers, "etag")
        if etag is not None:
            if etag.startswith('"'):
                headers["etag"] = [{"key": "ETag", "value": "W/" + etag}]
            elif not etag.startswith("W/"):
                del headers["etag"]
        return {
            **response,
            "headers": headers,
            "body": base64.b64encode(packed).decode("ascii"),
            "bodyEncoding": "base64",
        }
