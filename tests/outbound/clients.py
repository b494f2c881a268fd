"""Calls the URL in the query string (``url=``) with every Python HTTP client and answers
with a JSON body: client -> "STATUS BODY" or "error: ...". Used by tests/test_outbound.py."""

import asyncio
import http.client
import json
import socket
import urllib.parse
import urllib.request


def _urllib(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return f"{r.status} {r.read().decode()}"


def _http_client(url):
    u = urllib.parse.urlsplit(url)
    cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
    conn = cls(u.hostname, u.port, timeout=5)
    conn.request("GET", u.path + (f"?{u.query}" if u.query else ""))
    try:
        r = conn.getresponse()
        return f"{r.status} {r.read().decode()}"
    finally:
        conn.close()


def _requests(url):
    import requests

    r = requests.get(url, timeout=5)
    return f"{r.status_code} {r.text}"


def _httpx(url):
    import httpx

    r = httpx.get(url, timeout=5)
    return f"{r.status_code} {r.text}"


def _httpx_async(url):
    import httpx

    async def go():
        async with httpx.AsyncClient(timeout=5) as c:
            r = await c.get(url)
            return f"{r.status_code} {r.text}"

    return asyncio.run(go())


def _raw_socket(url):
    s = socket.create_connection(("93.184.216.34", 80), timeout=2)
    s.close()
    return "connected"


CLIENTS = {
    "urllib": _urllib,
    "http.client": _http_client,
    "requests": _requests,
    "httpx": _httpx,
    "httpx-async": _httpx_async,
    "socket": _raw_socket,
}


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    query = urllib.parse.parse_qs(request["querystring"])
    url = query["url"][0]
    only = query.get("client")
    out = {}
    for name, call in CLIENTS.items():
        if only and name not in only:
            continue
        try:
            out[name] = call(url)
        except Exception as exc:  # what the function sees is the point of the test
            out[name] = f"error: {type(exc).__name__}: {exc}"
    return {"status": "200", "body": json.dumps(out)}
