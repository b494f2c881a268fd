"""``[aws]`` and ``[http]`` in the definitions model (edgelab.definitions.outbound): read
from edgelab's TOML (both forms) and from a ``--map`` file, checked with the key named,
shown by ``edgelab config show``, run through ``from_spec``, watched by ``--watch``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.cli import main
from edgelab.commands.request import watched_files
from edgelab.definitions.outbound import read_outbound_file

CALLS = (
    "import urllib.request\n"
    "def handler(event, context):\n"
    "    request = event['Records'][0]['cf']['request']\n"
    "    flag = urllib.request.urlopen('https://api.example.com/flags').read().decode()\n"
    "    request['headers']['x-flag'] = [{'key': 'X-Flag', 'value': flag}]\n"
    "    return request\n"
)
MOCK = '[[http.mocks]]\nurl = "https://api.example.com/flags"\nbody = "on"\n'
OLD = (
    '[triggers]\nviewer-request = "vr.py"\n'
    '[origin]\ntype = "mapping"\n[origin.responses]\n"/" = "home"\n'
)
FULL = (
    '[[origins]]\nid = "site"\ntype = "mapping"\n[origins.responses]\n"/" = "home"\n'
    '[[behaviors]]\ntarget_origin = "site"\ncache_policy = "CachingDisabled"\n'
    '[behaviors.functions]\nviewer-request = "vr.py"\n'
)


def write(tmp_path: Path, text: str, name: str = "distribution.toml") -> Path:
    (tmp_path / "vr.py").write_text(CALLS)
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("form", [OLD, FULL], ids=["one-behaviour form", "full form"])
def test_both_toml_forms_declare_http_mocks_the_functions_reach(tmp_path: Path, form: str) -> None:
    with el.load_distribution(write(tmp_path, form + MOCK)) as dist:
        trace = dist.request("/")
    stage = trace.stage("viewer-request")
    assert stage.output["headers"]["x-flag"][0]["value"] == "on"
    assert [(c["kind"], c["url"], c["status"]) for c in stage.calls] == [
        ("http", "https://api.example.com/flags", 200)
    ]


def test_the_model_holds_the_sections_with_absolute_seed_paths(tmp_path: Path) -> None:
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed" / "db.json").write_text('{"dynamodb": {"tables": []}}')
    text = OLD + '[aws]\nservices = ["dynamodb"]\nseed = "seed/db.json"\nremote_call_ms = 7\n'
    spec = el.load_definition(
        write(tmp_path, text + MOCK + '[http.hosts]\n"p.internal" = "127.0.0.1:9"\n')
    )
    assert spec.aws is not None and spec.http is not None
    assert spec.aws.services == ("dynamodb",)
    assert spec.aws.seed == (str((tmp_path / "seed" / "db.json").resolve()),)
    assert spec.aws.remote_call_ms == 7
    assert [(m.url, dict(m.response), m.method) for m in spec.http.mocks] == [
        ("https://api.example.com/flags", {"body": "on"}, None)
    ]
    assert dict(spec.http.hosts) == {"p.internal": "127.0.0.1:9"}
    assert el.load_definition(write(tmp_path, OLD)).aws is None  # no section: None


BAD = [
    ('[aws]\nservices = "dynamodb"\n', "aws.services", "must be a list"),
    ("[aws]\nservices = []\n", "aws.services", "names no service"),
    ('[aws]\nservices = ["dynamodb"]\nseed = ["nope.json"]\n', "aws.seed", "does not exist"),
    ('[aws]\nservices = ["dynamodb"]\nregion = "eu"\n', "aws.region", "unknown key 'region'"),
    ('[aws]\nservices = ["dynamodb"]\nremote_call_ms = -1\n', "aws.remote_call_ms", "0 or more"),
    ("aws = 5\n", "aws", "must be a table"),
    ('[http]\nmocks = { url = "x" }\n', "http.mocks", "must be an array of tables"),
    ('[[http.mocks]]\nbody = "x"\n', "http.mocks[0]", 'needs url = "https://host/path"'),
    ('[[http.mocks]]\nurl = "ftp://a.example/x"\n', "http.mocks[0]", "http or https"),
    ('[http.hosts]\n"a.internal" = "10.0.0.5:80"\n', "http.hosts.a.internal", "loopback"),
    ("[http]\nmock = []\n", "http.mock", "unknown key 'mock'"),
]


@pytest.mark.parametrize(("text", "key", "said"), BAD, ids=[b[1] + " " + b[2] for b in BAD])
def test_a_bad_outbound_section_names_the_file_and_the_key(
    tmp_path: Path, text: str, key: str, said: str, capfd: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, text + OLD)
    with pytest.raises(el.ConfigError) as info:
        el.load_distribution(path)
    assert info.value.key == key
    assert str(info.value).startswith(f"{path}: {key}: ") and said in str(info.value)
    assert main(["request", "/", "--config", str(path)]) == 2
    assert said in capfd.readouterr().err


def cloudformation(tmp_path: Path) -> Path:
    """A template whose default behaviour has a viewer-request function (mapped)."""
    doc: dict[str, Any] = {
        "Resources": {
            "Dist": {
                "Type": "AWS::CloudFront::Distribution",
                "Properties": {
                    "DistributionConfig": {
                        "Enabled": True,
                        "Origins": [
                            {
                                "Id": "api",
                                "DomainName": "api.example.com",
                                "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"},
                            }
                        ],
                        "DefaultCacheBehavior": {
                            "TargetOriginId": "api",
                            "ViewerProtocolPolicy": "allow-all",
                            "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                            "LambdaFunctionAssociations": [
                                {
                                    "EventType": "viewer-request",
                                    "LambdaFunctionARN": "arn:aws:lambda:us-east-1:"
                                    "123456789012:function:flags:1",
                                }
                            ],
                        },
                    }
                },
            }
        }
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_map_file_gives_a_cloudformation_definition_its_outbound_sections(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "", "unused.toml")
    template = cloudformation(tmp_path)
    map_file = tmp_path / "map.toml"
    map_file.write_text('[mappings.functions]\nflags = "vr.py"\n' + MOCK)
    spec = el.load_definition(template, map_file=map_file)
    assert spec.aws is None and spec.http is not None
    with el.load_distribution(template, map_file=map_file) as dist:
        trace = dist.request("/")
    assert trace.stage("viewer-request").output["headers"]["x-flag"][0]["value"] == "on"
    only = tmp_path / "only.toml"  # [aws]/[http] without [mappings]
    only.write_text(MOCK)
    with el.load_distribution(
        template, functions={"flags": str(tmp_path / "vr.py")}, map_file=only
    ) as dist:
        assert len(dist.request("/").stage("viewer-request").calls) == 1
    assert main(["config", "show", str(template), "--map", str(map_file)]) == 0
    assert "http mock: any https://api.example.com/flags -> body 'on'" in capfd.readouterr().out


def test_a_bad_section_in_a_map_file_names_the_map_file(tmp_path: Path) -> None:
    template = cloudformation(tmp_path)
    map_file = tmp_path / "map.toml"
    map_file.write_text('[mappings.functions]\nflags = "vr.py"\n[http]\nremote_call_ms = "x"\n')
    with pytest.raises(el.ConfigError) as info:
        el.load_definition(template, map_file=map_file)
    assert info.value.key == "http.remote_call_ms" and str(map_file) in str(info.value)


def test_config_show_prints_the_outbound_sections(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "seed.json").write_text('{"dynamodb": {"tables": []}}')
    text = OLD + '[aws]\nservices = ["dynamodb", "s3"]\nseed = ["seed.json"]\n' + MOCK
    path = write(tmp_path, text + '[http.hosts]\n"p.internal" = "127.0.0.1:9000"\n')
    assert main(["config", "show", str(path)]) == 0
    out = capfd.readouterr().out
    assert f"local AWS: dynamodb, s3; seed {(tmp_path / 'seed.json').resolve()}" in out
    assert "http mock: any https://api.example.com/flags -> body 'on'" in out
    assert "http host: p.internal -> 127.0.0.1:9000" in out
    assert main(["config", "show", str(path), "--json"]) == 0
    model = json.loads(capfd.readouterr().out)
    assert model["aws"]["services"] == ["dynamodb", "s3"]
    assert model["http"]["mocks"][0]["url"] == "https://api.example.com/flags"


def test_python_overrides_replace_the_files_sections(tmp_path: Path) -> None:
    path = write(tmp_path, OLD + MOCK)
    with el.load_distribution(path, http={"https://api.example.com/*": "off"}) as dist:
        trace = dist.request("/")
    assert trace.stage("viewer-request").output["headers"]["x-flag"][0]["value"] == "off"


def test_request_watch_watches_what_the_loaded_definition_names(tmp_path: Path) -> None:
    (tmp_path / "seed.json").write_text('{"dynamodb": {"tables": []}}')
    (tmp_path / "helper.py").write_text("X = 1\n")
    path = write(tmp_path, OLD + '[aws]\nservices = ["dynamodb"]\nseed = ["seed.json"]\n')
    files = watched_files(str(path))
    for name in ("distribution.toml", "vr.py", "helper.py", "seed.json"):
        assert (tmp_path / name).resolve() in files
    template = cloudformation(tmp_path)
    map_file = tmp_path / "map.toml"
    map_file.write_text('[mappings.functions]\nflags = "vr.py"\n')
    mapped = watched_files(str(template), {"map_file": str(map_file)})
    for p in (template, map_file, tmp_path / "vr.py"):
        assert p.resolve() in mapped
    path.write_text("[broken")  # being edited: the file itself is still watched
    assert watched_files(str(path)) == [path.resolve()]


def test_invoke_config_reads_only_the_outbound_sections(tmp_path: Path) -> None:
    map_file = tmp_path / "map.toml"
    map_file.write_text(MOCK)
    aws, http = read_outbound_file(map_file)
    assert aws is None and http is not None and http.mocks[0].response == {"body": "on"}
    with pytest.raises(el.ConfigError, match="not a TOML file"):
        read_outbound_file(cloudformation(tmp_path))


def test_a_staging_distribution_has_the_outbound_sections_of_its_own_definition(
    tmp_path: Path,
) -> None:
    """facts §9: a request routed to staging runs the staging definition's functions;
    their calls reach what the staging file declares."""
    write(tmp_path, FULL + MOCK, "staging.toml")
    primary = FULL + MOCK.replace('"on"', '"primary"')
    path = write(
        tmp_path,
        primary + '[staging]\ndefinition = "staging.toml"\nheader = "aws-cf-cd-x"\nvalue = "1"\n',
    )
    with el.load_distribution(path) as dist:
        main_trace = dist.request("/")
        staged = dist.request("/", headers={"aws-cf-cd-x": "1"})
    flag = [
        t.stage("viewer-request").output["headers"]["x-flag"][0]["value"]
        for t in (main_trace, staged)
    ]
    assert (main_trace.deployment, staged.deployment, flag) == (
        "primary",
        "staging",
        ["primary", "on"],
    )
