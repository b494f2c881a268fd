"""Local AWS services for handlers that call AWS: a moto server on loopback, the SDKs of
both runtimes pointed at it, every call recorded (OUTBOUND_DECISIONS)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import edgelab as el
from edgelab.errors import ConfigError
from edgelab.outbound.aws import operation_of, service_of
from edgelab.testing import missing_node_modules
from tests.conftest import ON_CI, ROOT
from tests.helpers import free_port, stop

PROJECT = ROOT / "examples" / "handler-project"
SEED = {
    "dynamodb": {
        "tables": [
            {
                "name": "redirects",
                "key": {"path": "S"},
                "items": [{"path": "/old", "location": "/new", "status": 301, "weight": 0.5}],
            },
            {"name": "events", "key": {"pk": "S", "at": "N"}, "items": [{"pk": "a", "at": 1}]},
        ]
    },
    "s3": {"buckets": {"assets": {"hello.txt": "hi", "data.json": {"a": 1}}}},
    "secretsmanager": {"secrets": {"api-key": "s3cret", "db": {"user": "u"}}},
    "ssm": {"parameters": {"/app/flag": "on"}},
}
SERVICES = ["dynamodb", "s3", "secretsmanager", "ssm"]

READER = """
import boto3
ddb = boto3.client("dynamodb")          # made at import, as in Lambda

def handler(event, context):
    item = ddb.get_item(TableName="redirects", Key={"path": {"S": "/old"}})["Item"]
    s3 = boto3.client("s3").get_object(Bucket="assets", Key="hello.txt")["Body"].read()
    secret = boto3.client("secretsmanager").get_secret_value(SecretId="api-key")
    flag = boto3.client("ssm").get_parameter(Name="/app/flag")["Parameter"]["Value"]
    try:
        boto3.client("sqs").list_queues()
        sqs = "reached"
    except Exception as exc:
        sqs = str(exc)
    body = [item["location"]["S"], s3.decode(), secret["SecretString"], flag, sqs]
    return {"status": "200", "body": repr(body)}
"""


@pytest.fixture(scope="module")
def aws() -> Any:
    local = el.LocalAws(SERVICES, seed=SEED)
    with el.Sandbox(aws=local) as box:
        yield box


def test_every_seedable_service_is_loaded_from_json(aws: el.Sandbox) -> None:
    local = aws.aws
    assert local is not None
    item = local.client("dynamodb").get_item(TableName="redirects", Key={"path": {"S": "/old"}})
    assert item["Item"]["status"] == {"N": "301"} and item["Item"]["weight"] == {"N": "0.5"}
    keys = local.client("dynamodb").describe_table(TableName="events")["Table"]["KeySchema"]
    assert [(k["AttributeName"], k["KeyType"]) for k in keys] == [("pk", "HASH"), ("at", "RANGE")]
    body = local.client("s3").get_object(Bucket="assets", Key="data.json")["Body"].read()
    assert json.loads(body) == {"a": 1}
    secret = local.client("secretsmanager").get_secret_value(SecretId="db")
    assert json.loads(secret["SecretString"]) == {"user": "u"}
    assert local.client("ssm").get_parameter(Name="/app/flag")["Parameter"]["Value"] == "on"
    assert aws.take() == []  # edgelab's own calls are nobody's


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_a_python_handler_reaches_local_aws_through_its_own_boto3(
    aws: el.Sandbox, isolated: bool, tmp_path: Path
) -> None:
    handler = tmp_path / "reader.py"
    handler.write_text(READER)
    result = el.invoke(
        str(handler), el.build_event("viewer-request"), sandbox=aws, isolated=isolated
    )
    assert result.outcome == "response", result.error
    location, text, secret, flag, sqs = ast.literal_eval(result.response["body"])
    assert (location, text, secret, flag) == ("/new", "hi", "s3cret", "on")
    assert "the local AWS has no sqs" in sqs and "[aws] services" in sqs
    assert [(c["service"], c["operation"], c["status"]) for c in result.calls] == [
        ("dynamodb", "GetItem", 200),
        ("s3", "GetObject", 200),
        ("secretsmanager", "GetSecretValue", 200),
        ("ssm", "GetParameter", 200),
        ("sqs", "ListQueues", 400),
    ]
    assert all(c["kind"] == "aws" and c["duration_ms"] > 0 for c in result.calls)


ENV_PROBE = """
import os
NAMES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
         "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE")
def handler(event, context):
    return {"status": "200", "body": repr({n: os.environ.get(n) for n in NAMES})}
"""


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_the_aws_variables_are_set_only_for_the_function(
    aws: el.Sandbox, isolated: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OUTBOUND_DECISIONS 'environment variables for local services' and 'Region of a
    function's AWS calls': the endpoint, fake credentials and us-east-1, in the function's
    process only; the caller's own profile is hidden from it."""
    monkeypatch.setenv("AWS_PROFILE", "my-real-account")
    probe = tmp_path / "probe.py"
    probe.write_text(ENV_PROBE)
    result = el.invoke(str(probe), el.build_event("viewer-request"), sandbox=aws, isolated=isolated)
    seen = ast.literal_eval(result.response["body"])
    assert aws.aws is not None
    assert seen == {
        "AWS_ENDPOINT_URL": aws.aws.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_PROFILE": None,
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    assert aws.aws.endpoint.startswith("http://127.0.0.1:")
    assert os.environ["AWS_PROFILE"] == "my-real-account"  # restored after the call
    assert "AWS_ENDPOINT_URL" not in os.environ
    plain = el.invoke(str(probe), el.build_event("viewer-request"), isolated=isolated)
    assert ast.literal_eval(plain.response["body"])["AWS_ENDPOINT_URL"] is None


@pytest.mark.node
def test_a_node_handler_reaches_local_aws_through_the_sdk_in_its_node_modules() -> None:
    missing = missing_node_modules(PROJECT, "@aws-sdk/client-dynamodb")
    if missing and not ON_CI:
        pytest.skip(f"run npm install in {PROJECT} (missing {missing})")
    seed = PROJECT / "seed" / "dynamodb.json"
    with el.Sandbox(aws=el.LocalAws(["dynamodb"], seed=seed)) as box:
        result = el.invoke(
            str(PROJECT / "handlers" / "redirect.mjs"),
            el.build_event("viewer-request", uri="/old/page.html"),
            sandbox=box,
        )
    assert (result.outcome, result.status) == ("response", 301), result.error
    assert [(c["service"], c["operation"]) for c in result.calls] == [("dynamodb", "GetItem")]


# -- what is recorded -----------------------------------------------------------------------
def _environ(method: str, path: str, query: str = "", **headers: str) -> dict[str, Any]:
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}
    env.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return env


@pytest.mark.parametrize(
    ("environ", "body", "service", "operation"),
    [
        (
            _environ("POST", "/", x_amz_target="DynamoDB_20120810.GetItem"),
            b"",
            "dynamodb",
            "GetItem",
        ),
        (_environ("GET", "/b/k.txt"), b"", "s3", "GetObject"),
        (_environ("PUT", "/b/k.txt"), b"", "s3", "PutObject"),
        (_environ("PUT", "/b/k", x_amz_copy_source="/b/o"), b"", "s3", "CopyObject"),
        (_environ("HEAD", "/b/k"), b"", "s3", "HeadObject"),
        (_environ("GET", "/b", "list-type=2"), b"", "s3", "ListObjectsV2"),
        (_environ("GET", "/"), b"", "s3", "ListBuckets"),
        (_environ("POST", "/"), b"Action=SendMessage&Version=1", "sqs", "SendMessage"),
    ],
)
def test_the_operation_of_a_call_is_read_from_its_request(
    environ: dict[str, Any], body: bytes, service: str, operation: str
) -> None:
    assert operation_of(environ, body, service) == operation


def test_the_service_of_a_call_is_its_signature_scope() -> None:
    auth = "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/dynamodb/aws4_request, x"
    assert service_of({"HTTP_AUTHORIZATION": auth}) == "dynamodb"
    assert service_of({}) is None


# -- declaring it ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"services": "dynamodb"}, "aws.services must be a list"),
        ({"services": []}, "aws.services names no service"),
        ({"services": ["dynamodb"], "seed": ["missing.json"]}, "does not exist"),
        ({"services": ["dynamodb"], "seed": ["bad.json"]}, "is not JSON"),
        ({"services": ["dynamodb"], "seed": ["s3.json"]}, "which is not in aws.services"),
        ({"services": ["dynamodb"], "region": "eu"}, "[aws] has an unknown key 'region'"),
        ({"services": ["dynamodb"], "remote_call_ms": "x"}, "0 or more"),
    ],
)
def test_a_bad_aws_section_names_the_key_and_what_is_allowed(
    tmp_path: Path, table: dict[str, Any], message: str
) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "s3.json").write_text('{"s3": {"buckets": {}}}')
    from edgelab.outbound.aws import aws_from_config

    with pytest.raises(ConfigError) as info:
        aws_from_config(table, tmp_path)
    assert message in str(info.value)


def test_an_unknown_service_is_refused_when_the_local_aws_starts() -> None:
    with pytest.raises(ConfigError, match="does not offer"), el.LocalAws(["dynamodbb"]):
        pass


def test_a_distribution_toml_declares_local_aws_and_its_functions_use_it(tmp_path: Path) -> None:
    (tmp_path / "seed.json").write_text(json.dumps({"dynamodb": SEED["dynamodb"]}))
    (tmp_path / "vr.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    request = event['Records'][0]['cf']['request']\n"
        "    item = boto3.client('dynamodb').get_item(TableName='redirects',\n"
        "        Key={'path': {'S': request['uri']}}).get('Item')\n"
        "    if item:\n"
        "        return {'status': '301', 'headers': {'location': [{'key': 'Location',\n"
        "            'value': item['location']['S']}]}}\n"
        "    return request\n"
    )
    config = tmp_path / "distribution.toml"
    config.write_text(
        '[triggers]\nviewer-request = "vr.py"\n'
        '[origin]\ntype = "mapping"\n[origin.responses]\n"/" = "home"\n'
        '[aws]\nservices = ["dynamodb"]\nseed = ["seed.json"]\nremote_call_ms = 12\n'
    )
    with el.load_distribution(config) as dist:
        moved = dist.request("/old")
        home = dist.request("/")
    assert (moved.status, moved.headers["location"]) == (301, "/new")
    assert home.status == 200
    assert moved.to_row()["outbound_remote_ms"] == 12.0


SERVED = """
import urllib.request
import boto3

def handler(event, context):
    request = event['Records'][0]['cf']['request']
    if request['uri'] == '/flag':
        flag = urllib.request.urlopen('https://api.example.com/flags').read().decode()
        return {'status': '200', 'body': 'flag=' + flag}
    item = boto3.client('dynamodb').get_item(TableName='redirects',
        Key={'path': {'S': request['uri']}}).get('Item')
    if item:
        return {'status': '301', 'headers': {'location': [{'key': 'Location',
            'value': item['location']['S']}]}}
    return request
"""


@pytest.mark.slow
def test_edgelab_serve_gives_its_functions_the_files_aws_and_http_sections(tmp_path: Path) -> None:
    """``edgelab serve`` (a real process, Python handlers isolated as by default) starts
    the local AWS and the HTTP mocks the definition declares, as request and replay do."""
    (tmp_path / "seed.json").write_text(json.dumps({"dynamodb": SEED["dynamodb"]}))
    (tmp_path / "vr.py").write_text(SERVED)
    config = tmp_path / "distribution.toml"
    config.write_text(
        '[triggers]\nviewer-request = "vr.py"\n'
        '[origin]\ntype = "mapping"\n[origin.responses]\n"/" = "home"\n'
        '[aws]\nservices = ["dynamodb"]\nseed = ["seed.json"]\n'
        '[[http.mocks]]\nurl = "https://api.example.com/flags"\nbody = "on"\n'
    )
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "edgelab",
                "serve",
                "--config",
                str(config),
                "--port",
                str(port),
            ],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(trust_env=False, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    home = client.get(url + "/")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "edgelab serve did not start in 60 s"
                    time.sleep(0.2)
            moved = client.get(url + "/old", follow_redirects=False)
            flag = client.get(url + "/flag")
    finally:
        stop(proc)
    assert (home.status_code, home.text) == (200, "home")
    assert (moved.status_code, moved.headers["location"]) == (301, "/new")
    assert (flag.status_code, flag.text) == (200, "flag=on")
