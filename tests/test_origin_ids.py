"""Origins by id (distribution facts §1, lambda-edge-facts §1.6): origin request sees the
origin as the definition deploys it (its s3 or custom block), the request is answered by
what serves that origin here, and an origin nobody mapped answers with the echo origin."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import edgelab as el

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
OREQ = "def handler(event, context):\n    return event['Records'][0]['cf']['request']\n"


def template(tmp_path: Path, origins: list[dict[str, Any]], **behavior: Any) -> Path:
    """A CloudFormation template: these origins, one default behaviour with an origin
    request function (a local file), the first origin as its target."""
    (tmp_path / "oreq.py").write_text(OREQ)
    doc = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "oreq.handler",
                    "Code": {"ZipFile": OREQ},
                },
            },
            "FnVersion": {
                "Type": "AWS::Lambda::Version",
                "Properties": {"FunctionName": {"Ref": "Fn"}},
            },
            "Dist": {
                "Type": "AWS::CloudFront::Distribution",
                "Properties": {
                    "DistributionConfig": {
                        "Enabled": True,
                        "Origins": origins,
                        "DefaultCacheBehavior": {
                            "TargetOriginId": origins[0]["Id"],
                            "ViewerProtocolPolicy": "allow-all",
                            "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                            "LambdaFunctionAssociations": [
                                {
                                    "EventType": "origin-request",
                                    "LambdaFunctionARN": {"Ref": "FnVersion"},
                                }
                            ],
                            **behavior,
                        },
                    }
                },
            },
        }
    }
    path = tmp_path / "site.json"
    path.write_text(json.dumps(doc))
    return path


CUSTOM = {
    "Id": "api",
    "DomainName": "api.example.com",
    "OriginPath": "/v1",
    "OriginCustomHeaders": [{"HeaderName": "X-Origin-Key", "HeaderValue": "k1"}],
    "CustomOriginConfig": {
        "OriginProtocolPolicy": "match-viewer",
        "HTTPPort": 8080,
        "HTTPSPort": 8443,
        "OriginReadTimeout": 45,
        "OriginKeepaliveTimeout": 7,
        "OriginSSLProtocols": ["TLSv1.2"],
    },
}
S3 = {
    "Id": "bucket",
    "DomainName": "my-bucket.s3.eu-west-1.amazonaws.com",
    "S3OriginConfig": {"OriginAccessIdentity": "origin-access-identity/cloudfront/E1"},
}


def load(path: Path, tmp_path: Path, **kw: Any) -> el.Distribution:
    return el.load_distribution(path, cache_dir=tmp_path / "cache", **kw)


def test_origin_request_sees_the_deployed_custom_origin(tmp_path: Path) -> None:
    """lambda-edge-facts §1.6, facts §1.2: domain, origin path, ports by protocol
    (match-viewer follows the viewer), timeouts, SSL protocols and custom headers."""
    with load(template(tmp_path, [CUSTOM]), tmp_path) as d:
        seen = {
            scheme: d.request("/x", protocol=scheme).stage("origin-request").input["origin"]
            for scheme in ("http", "https")
        }
    https = seen["https"]["custom"]
    assert https == {
        "customHeaders": {"x-origin-key": [{"key": "X-Origin-Key", "value": "k1"}]},
        "domainName": "api.example.com",
        "keepaliveTimeout": 7,
        "path": "/v1",
        "port": 8443,
        "protocol": "https",
        "readTimeout": 45,
        "sslProtocols": ["TLSv1.2"],
    }
    assert (seen["http"]["custom"]["protocol"], seen["http"]["custom"]["port"]) == ("http", 8080)


def test_origin_request_sees_the_deployed_s3_origin(tmp_path: Path) -> None:
    """lambda-edge-facts §1.6: an OAI origin names its Region."""
    with load(template(tmp_path, [S3]), tmp_path) as d:
        block = d.request("/x").stage("origin-request").input["origin"]
    assert block == {
        "s3": {
            "authMethod": "origin-access-identity",
            "customHeaders": {},
            "domainName": "my-bucket.s3.eu-west-1.amazonaws.com",
            "path": "",
            "region": "eu-west-1",
        }
    }


def test_an_unmapped_origin_answers_with_the_echo_origin(tmp_path: Path) -> None:
    """The echo origin: 200, a JSON body naming the origin id, the uri and the headers it
    received (the origin's custom headers overwrite a viewer's, facts §1.2)."""
    with load(template(tmp_path, [CUSTOM]), tmp_path) as d:
        trace = d.request("/x?q=1", headers={"X-Origin-Key": "viewer"})
    body = json.loads(trace.body)
    assert (trace.status, trace.origin_id, trace.origin_kind) == (200, "api", "echo")
    assert (body["origin_id"], body["uri"]) == ("api", "/x")
    assert body["headers"]["X-Origin-Key"] == "k1"
    assert body["headers"]["Host"] == "api.example.com"  # §4.2: the origin's domain
    assert any("--origin api=DIR_OR_URL" in n for n in trace.notes)
    assert trace.response["headers"]["content-type"][0]["value"] == "application/json"


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"path": self.path, "key": self.headers.get("X-Origin-Key")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_an_origin_mapped_to_a_local_server(tmp_path: Path, local_server: str) -> None:
    """--origin ID=URL: the deployed origin (https, 8443, /v1) is reached at the local
    URL, its path first, then the origin path and the uri, with the custom headers."""
    path = template(tmp_path, [CUSTOM])
    with load(path, tmp_path, origins={"api": local_server + "/base"}) as d:
        trace = d.request("/x")
    assert (trace.origin_id, trace.origin_kind) == ("api", "http")
    assert json.loads(trace.body) == {"path": "/base/v1/x", "key": "k1"}
    # what origin request saw is still the deployed origin
    assert trace.stage("origin-request").input["origin"]["custom"]["port"] == 8443


def test_a_function_that_switches_to_another_origin_of_the_distribution(
    tmp_path: Path,
) -> None:
    """lambda-edge-facts §1.6: a function may point the request at another origin; one
    the distribution defines (same domain name) is served by its own local target."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "x").write_text("from the bucket")
    switch = (
        "def handler(event, context):\n"
        "    req = event['Records'][0]['cf']['request']\n"
        "    req['origin'] = {'s3': {'domainName': 'my-bucket.s3.eu-west-1.amazonaws.com',\n"
        "        'path': '', 'authMethod': 'none', 'region': '', 'customHeaders': {}}}\n"
        "    return req\n"
    )
    (tmp_path / "switch.py").write_text(switch)
    path = template(tmp_path, [CUSTOM, S3])
    with load(
        path,
        tmp_path,
        origins={"bucket": str(tmp_path / "site")},
        functions={"Fn": str(tmp_path / "switch.py")},
    ) as d:
        trace = d.request("/x")
    assert (trace.origin_id, trace.origin_kind, trace.body) == (
        "bucket",
        "folder",
        b"from the bucket",
    )


def test_a_distribution_with_unresolved_functions_lists_every_flag(tmp_path: Path) -> None:
    api = {
        "DistributionConfig": {
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [CUSTOM | {"CustomHeaders": {"Quantity": 0}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "api",
                "ViewerProtocolPolicy": "allow-all",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                "LambdaFunctionAssociations": {
                    "Quantity": 2,
                    "Items": [
                        {
                            "EventType": "viewer-request",
                            "LambdaFunctionARN": ARN + "auth:3",
                        },
                        {
                            "EventType": "origin-response",
                            "LambdaFunctionARN": ARN + "hdrs:1",
                        },
                    ],
                },
            },
        }
    }
    path = tmp_path / "dist.json"
    path.write_text(json.dumps(api))
    with pytest.raises(el.DefinitionError) as info:
        load(path, tmp_path)
    message = str(info.value)
    assert "--function auth=PATH" in message and "--function hdrs=PATH" in message
