"""Local AWS services for functions that call AWS: a moto server on loopback.

    >>> aws = el.LocalAws(["dynamodb", "s3"], seed="seed/aws.json")

A function's AWS SDK is pointed at the server, not patched: its process gets
``AWS_ENDPOINT_URL`` (honoured by boto3 and the AWS SDK for JavaScript v3), fake
credentials and ``AWS_REGION=us-east-1`` (see :meth:`LocalAws.environ`), so the real
``boto3.client("dynamodb")`` or ``new DynamoDBClient({})`` of the handler talks to moto.
Lambda@Edge functions have no environment variables of their own (lambda-edge-facts
§5.4); these are edgelab's, for this case only (a decision row).

Every call is recorded (service, operation, status, duration) by a WSGI layer around
moto's application, before the response is sent. A call to a service the run did not
declare is answered with an AWS-style error naming the declared ones. moto keeps its
data per process: starting a LocalAws resets it (unless another one is running in the
process) and loads the seed.

Seed files are JSON::

    {"dynamodb": {"tables": [{"name": "redirects", "key": {"path": "S"},
                              "items": [{"path": "/old", "location": "/new"}]}]},
     "s3": {"buckets": {"assets": {"hello.txt": "hi", "data.json": {"a": 1}}}},
     "secretsmanager": {"secrets": {"api-key": "s3cret"}},
     "ssm": {"parameters": {"/app/flag": "on"}}}

A table's ``key`` lists the partition key, then the optional sort key, with their
types (``S``, ``N``, ``B``); items are plain JSON (numbers become ``Decimal``).
"""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from ..errors import ConfigError, RuntimeUnavailable
from .mocks import checked_remote_call_ms

REGION = "us-east-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
SEEDABLE = ("dynamodb", "s3", "secretsmanager", "ssm")
INSTALL_HINT = (
    "local AWS services need the aws extra: pip install 'edgelab[aws]' "
    "(or uv sync --extra aws), which installs moto and boto3"
)
Record = Callable[[dict[str, Any]], None]
OWN_HEADER = "x-edgelab-own-call"  # on edgelab's own calls (seeding, client()): not recorded


def _moto() -> Any:
    try:
        import moto.backends
        from moto.moto_server import werkzeug_app
    except ImportError as exc:
        raise RuntimeUnavailable(f"{INSTALL_HINT} ({exc})") from None
    return moto.backends, werkzeug_app


def _boto3() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise RuntimeUnavailable(f"{INSTALL_HINT} ({exc})") from None
    return boto3


class LocalAws:
    """Local AWS ``services`` (moto's names: ``dynamodb``, ``s3``, ``secretsmanager``,
    ``ssm``, ``sqs`` ...), seeded from ``seed`` (JSON files, or the data itself as a
    mapping); ``remote_call_ms``: the latency the model adds per call (in place of the
    latency model's own ``remote_call_ms``)."""

    def __init__(
        self,
        services: Sequence[str] = ("dynamodb",),
        *,
        seed: str | Path | Mapping[str, Any] | Sequence[str | Path | Mapping[str, Any]] = (),
        remote_call_ms: float | None = None,
    ) -> None:
        if isinstance(services, str) or not all(isinstance(s, str) for s in services):
            raise ConfigError(
                f'aws.services must be a list of service names such as ["dynamodb", "s3"]; '
                f"got {services!r}",
                key="aws.services",
            )
        if not services:
            raise ConfigError(
                "aws.services names no service; give at least one", key="aws.services"
            )
        self.services = tuple(s.strip().lower() for s in services)
        seeds = [seed] if isinstance(seed, str | Path | Mapping) else list(seed)
        self.seed_data: list[tuple[str, Mapping[str, Any]]] = [_load_seed(s) for s in seeds]
        for where, data in self.seed_data:
            for service in data:
                if service not in SEEDABLE:
                    raise ConfigError(
                        f"seed {where} has data for {service!r}; edgelab seeds "
                        f"{', '.join(SEEDABLE)}",
                        key="aws.seed",
                    )
                if service not in self.services:
                    raise ConfigError(
                        f"seed {where} has data for {service!r}, which is not in "
                        f"aws.services {list(self.services)}",
                        key="aws.seed",
                    )
        self.remote_call_ms = checked_remote_call_ms(remote_call_ms, "aws")
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.account_id = f"{secrets.randbelow(9 * 10**11) + 10**11}"
        self._record: Record = lambda call: None

    # -- life cycle -----------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise ConfigError("the local AWS is not started yet")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, record: Record | None = None) -> LocalAws:
        """Start moto on a free loopback port and load the seed into this LocalAws's own
        account; ``record`` gets one dict per call."""
        if self._server is not None:
            return self
        backends, werkzeug_app = _moto()
        known = set(backends.list_of_moto_modules())
        unknown = [s for s in self.services if s not in known]
        if unknown:
            raise ConfigError(
                f"aws.services names {unknown[0]!r}, which the local AWS (moto) does not "
                f"offer; for example dynamodb, s3, secretsmanager, ssm, sqs, sns",
                key="aws.services",
            )
        from werkzeug.serving import make_server

        class Quiet(werkzeug_app.MotoRequestHandler):  # type: ignore[misc, name-defined]
            def log(self, type: str, message: str, *args: Any) -> None:
                return None  # calls are in the trace, not on stderr

        app = werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)
        self._server = make_server(
            "127.0.0.1", 0, _Recorder(app, self), threaded=True, request_handler=Quiet
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="edgelab-local-aws"
        )
        self._thread.start()
        for where, data in self.seed_data:
            try:
                self._seed(data)
            except Exception as exc:
                self.close()
                raise ConfigError(
                    f"seed {where} could not be loaded into the local AWS: "
                    f"{type(exc).__name__}: {exc}",
                    key="aws.seed",
                ) from None
        self._record = record or (lambda call: None)
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        backends, _ = _moto()
        for service in self.services:  # this account's data goes with it
            with contextlib.suppress(Exception):
                backends.get_backend(service).pop(self.account_id, None)

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what functions get ---------------------------------------------------------------
    def environ(self) -> dict[str, str | None]:
        """The variables that point an AWS SDK at this server (None: removed, so the
        caller's own profile and files are never read)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            **CREDENTIALS,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_PROFILE": None,
            "AWS_DEFAULT_PROFILE": None,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, service: str) -> Any:
        """A boto3 client of this local AWS (to look at or change its data in a test);
        its calls are edgelab's, not a function's: they are not recorded."""
        client = _boto3().client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
        )

        def mark(request: Any, **kwargs: Any) -> None:
            request.headers[OWN_HEADER] = "1"

        client.meta.events.register("before-sign.*.*", mark)
        return client

    # -- seeding --------------------------------------------------------------------------
    def _seed(self, data: Mapping[str, Any]) -> None:
        for service, content in data.items():
            getattr(self, f"_seed_{service}")(content)

    def _seed_dynamodb(self, content: Mapping[str, Any]) -> None:
        from boto3.dynamodb.types import TypeSerializer

        ddb = self.client("dynamodb")
        ser = TypeSerializer()
        for table in content.get("tables", []):
            key = table["key"]
            names = list(key)
            ddb.create_table(
                TableName=table["name"],
                KeySchema=[
                    {"AttributeName": n, "KeyType": "HASH" if i == 0 else "RANGE"}
                    for i, n in enumerate(names)
                ],
                AttributeDefinitions=[{"AttributeName": n, "AttributeType": key[n]} for n in names],
                BillingMode="PAY_PER_REQUEST",
            )
            for item in table.get("items", []):
                ddb.put_item(
                    TableName=table["name"],
                    Item={k: ser.serialize(_decimals(v)) for k, v in item.items()},
                )

    def _seed_s3(self, content: Mapping[str, Any]) -> None:
        s3 = self.client("s3")
        for bucket, objects in content.get("buckets", {}).items():
            s3.create_bucket(Bucket=bucket)
            for key, value in (objects or {}).items():
                body = value if isinstance(value, str) else json.dumps(value, default=str)
                s3.put_object(Bucket=bucket, Key=key, Body=body.encode())

    def _seed_secretsmanager(self, content: Mapping[str, Any]) -> None:
        sm = self.client("secretsmanager")
        for name, value in content.get("secrets", {}).items():
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            sm.create_secret(Name=name, SecretString=text)

    def _seed_ssm(self, content: Mapping[str, Any]) -> None:
        ssm = self.client("ssm")
        for name, value in content.get("parameters", {}).items():
            ssm.put_parameter(Name=name, Value=str(value), Type="String")

    def __repr__(self) -> str:
        state = self.endpoint if self._server is not None else "not started"
        return f"<LocalAws {list(self.services)} {state}>"


def _decimals(value: Any) -> Any:
    """Floats as Decimal (DynamoDB numbers), through their shortest text."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_decimals(v) for v in value]
    return value


def _load_seed(seed: str | Path | Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    if isinstance(seed, Mapping):
        return "(given in Python)", seed
    path = Path(seed)
    if not path.is_file():
        raise ConfigError(
            f"aws seed file {str(seed)!r} does not exist; give JSON files with data per "
            f"service ({', '.join(SEEDABLE)})",
            key="aws.seed",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"aws seed file {str(seed)!r} is not JSON: {exc}", key="aws.seed"
        ) from None
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"aws seed file {str(seed)!r} must hold an object with a key per service",
            key="aws.seed",
        )
    return str(seed), data


def aws_from_config(table: Mapping[str, Any], base: Path) -> LocalAws:
    """``[aws]`` of a distribution.toml: ``services``, ``seed`` (files relative to the
    config) and ``remote_call_ms``."""
    allowed = ("services", "seed", "remote_call_ms")
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"[aws] has an unknown key {key!r}; allowed: {', '.join(allowed)}",
                key=f"aws.{key}",
            )
    services = table.get("services")
    if not isinstance(services, list):
        raise ConfigError(
            'aws.services must be a list such as ["dynamodb", "s3", "secretsmanager"]; '
            f"got {services!r}",
            key="aws.services",
        )
    seed = table.get("seed", [])
    seeds = [seed] if isinstance(seed, str) else seed
    if not isinstance(seeds, list) or not all(isinstance(s, str) for s in seeds):
        raise ConfigError(
            f'aws.seed must be a JSON file or a list of them ("seed/dynamodb.json"); got {seed!r}',
            key="aws.seed",
        )
    return LocalAws(
        services, seed=[base / s for s in seeds], remote_call_ms=table.get("remote_call_ms")
    )


# -- recording ------------------------------------------------------------------------------
_S3_BUCKET = {
    "GET": "ListObjects",
    "PUT": "CreateBucket",
    "DELETE": "DeleteBucket",
    "HEAD": "HeadBucket",
}
_S3_OBJECT = {
    "GET": "GetObject",
    "PUT": "PutObject",
    "DELETE": "DeleteObject",
    "HEAD": "HeadObject",
    "POST": "PostObject",
}


def service_of(environ: Mapping[str, Any]) -> str | None:
    """The service a SigV4-signed request is for (its credential scope)."""
    auth = str(environ.get("HTTP_AUTHORIZATION") or "")
    try:
        scope = auth.split(",")[0].split()[1]
        return scope.split("/")[3].lower()
    except (IndexError, ValueError):
        return None


def operation_of(environ: Mapping[str, Any], body: bytes, service: str | None) -> str:
    """The API operation of a request: ``X-Amz-Target`` (JSON protocols), ``Action``
    (query protocols), or S3's REST shape."""
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    if target:
        return target.rsplit(".", 1)[-1]
    method = str(environ.get("REQUEST_METHOD") or "GET")
    path = str(environ.get("PATH_INFO") or "/")
    query = parse_qs(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True)
    if service == "s3":
        parts = [p for p in path.split("/") if p]
        if not parts:
            return "ListBuckets"
        if len(parts) == 1:
            if method == "GET" and query.get("list-type") == ["2"]:
                return "ListObjectsV2"
            return _S3_BUCKET.get(method, f"{method} bucket")
        if method == "PUT" and environ.get("HTTP_X_AMZ_COPY_SOURCE"):
            return "CopyObject"
        return _S3_OBJECT.get(method, f"{method} object")
    if body and b"Action=" in body:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    if "Action" in query:
        return query["Action"][0]
    return f"{method} {path}"


class _Recorder:
    """WSGI layer around moto: refuses undeclared services, records every call."""

    def __init__(self, app: Any, aws: LocalAws) -> None:
        self.app = app
        self.aws = aws

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = self.aws.account_id
        if path.startswith("/moto-api") or environ.get("HTTP_X_EDGELAB_OWN_CALL"):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        started, at = time.perf_counter(), time.time()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        service = service_of(environ)
        operation = operation_of(environ, body, service)
        statuses: list[str] = []

        def respond(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        error = None
        if service is not None and service not in self.aws.services:
            error = (
                f"edgelab: the local AWS has no {service}; [aws] services = "
                f"{list(self.aws.services)} (add it there)"
            )
            data = json.dumps({"__type": "UnrecognizedClientException", "message": error}).encode()
            respond(
                "400 Bad Request",
                [
                    ("Content-Type", "application/x-amz-json-1.0"),
                    ("Content-Length", str(len(data))),
                ],
            )
        else:
            result = self.app(environ, respond)
            try:
                data = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        status = int(statuses[-1].split()[0]) if statuses else 500
        self.aws._record(
            {
                "at": at,
                "kind": "aws",
                "via": "local-aws",
                "service": service,
                "operation": operation,
                "method": environ.get("REQUEST_METHOD"),
                "url": f"{self.aws.endpoint}{path}",
                "status": status,
                "duration_ms": (time.perf_counter() - started) * 1000,
                "error": error,
                "remote_call_ms": self.aws.remote_call_ms,
            }
        )
        return [data]
