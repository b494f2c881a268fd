"""CloudFront KeyValueStore (facts §5.4): AWS's import file, its limits, and what a
2.0 function reads through ``cf.kvs()``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import edgelab as el
from edgelab.errors import ConfigError
from tests.conftest import ROOT
from tests.helpers import write

RT1, RT2 = el.CFF_RUNTIMES
ROOMY = el.get_cff_rules(overrides={"compute-budget": 200})


def import_file(tmp_path: Path, entries: list[Any], name: str = "store.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"data": entries}), encoding="utf-8")
    return path


def test_import_file_loads() -> None:
    store = el.KeyValueStoreData.from_file(ROOT / "examples" / "cloudfront-functions" / "kvs.json")
    assert len(store) == 2 and json.loads(store["ab-weights"]) == {"A": 0.9, "B": 0.1}
    assert store.meta()["keyCount"] == 2
    assert store.meta()["creationDateTime"].endswith("Z")
    assert el.load_kvs({"data": [{"key": "k", "value": "v"}]}).items() == [("k", "v")]
    assert el.load_kvs({"k": "v"}).get("k") == "v"
    assert el.load_kvs(None) is None


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        pytest.param(
            [{"key": "k" * 513, "value": "v"}],
            "at most 512 bytes",
            id="§5.4 a key of 513 bytes (decision)",
        ),
        pytest.param(
            [{"key": "é" * 257, "value": "v"}], "514 bytes", id="§5.4 key size counts UTF-8 bytes"
        ),
        pytest.param(
            [{"key": "k", "value": "v" * 1025}],
            "at most 1,024 bytes",
            id="§5.4 a value of 1025 bytes",
        ),
        pytest.param(
            [{"key": "k", "value": "v"}, {"key": "k", "value": "w"}],
            "repeats key",
            id="§5.4 duplicate keys",
        ),
        pytest.param([{"key": "k", "value": 1}], "must be a string", id="§5.4 a number value"),
        pytest.param([{"key": "k"}], "exactly", id="§5.4 an entry without value"),
        pytest.param([{"key": "", "value": "v"}], "non-empty", id="§5.4 an empty key"),
    ],
)
def test_import_file_limits(tmp_path: Path, entries: list[Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        el.KeyValueStoreData.from_file(import_file(tmp_path, entries))


def test_store_size_limits_are_rules(tmp_path: Path) -> None:
    entries = [{"key": f"k{i}", "value": "v" * 1000} for i in range(6)]
    small = el.get_cff_rules(overrides={"kvs-total-size": 5000})
    with pytest.raises(ConfigError, match="at most 5,000 bytes"):
        el.KeyValueStoreData.from_file(import_file(tmp_path, entries), rules=small)
    assert len(el.KeyValueStoreData.from_file(import_file(tmp_path, entries))) == 6
    big_values = el.get_cff_rules(overrides={"kvs-value-size": 4096})
    assert el.load_kvs({"k": "v" * 3000}, rules=big_values)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"{not json", "is not JSON", id="not JSON"),
        pytest.param(b"\xff\xfe", "not UTF-8", id="not UTF-8"),
        pytest.param(b'{"items": []}', '"data" list', id="no data list"),
    ],
)
def test_unusable_import_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        el.KeyValueStoreData.from_file(path)
    with pytest.raises(ConfigError, match="does not exist"):
        el.KeyValueStoreData.from_file(tmp_path / "missing.json")


# -- reading the store from a function (node) ---------------------------------------------------
@pytest.fixture
def _close() -> Iterator[None]:
    yield
    el.close_handlers()


READER = """\
import cf from 'cloudfront';
async function handler(event) {
  const kvs = cf.kvs(event.request.uri === '/with-id' ? 'a1b2c3' : undefined);
  const out = {};
  out.text = await kvs.get('greeting');
  out.json = await kvs.get('weights', { format: 'json' });
  const bytes = await kvs.get('greeting', { format: 'bytes' });
  out.bytes = [Buffer.isBuffer(bytes), bytes.length];
  out.exists = [await kvs.exists('greeting'), await kvs.exists('nope')];
  try { await kvs.get('nope'); out.missing = 'found'; } catch (e) { out.missing = e.message; }
  try { await kvs.get('greeting', { format: 'xml' }); } catch (e) { out.format = e.name; }
  out.meta = await kvs.meta();
  return { statusCode: 200, body: JSON.stringify(out) };
}
"""


@pytest.mark.node
@pytest.mark.usefixtures("_close")
@pytest.mark.parametrize("uri", ["/", "/with-id"])
def test_a_function_reads_the_store(handlers_dir: Path, tmp_path: Path, uri: str) -> None:
    # CFF_DECISIONS "cf.kvs() or cf.kvs(id)" and "kvs get of a missing key"
    path = write(handlers_dir / "reader.js", READER)
    store = import_file(
        tmp_path, [{"key": "greeting", "value": "héllo"}, {"key": "weights", "value": '{"A": 0.8}'}]
    )
    res = el.invoke(path, el.build_cff_event(uri=uri), runtime=RT2, kvs=str(store), rules=ROOMY)
    assert res.outcome == "response", res.error
    got = json.loads(res.response["body"])
    assert got["text"] == "héllo" and got["json"] == {"A": 0.8}
    assert got["bytes"] == [True, 6] and got["exists"] == [True, False]
    assert got["missing"] == "Key nope not found in the KeyValueStore"
    assert got["format"] == "TypeError"
    assert got["meta"]["keyCount"] == 2 and set(got["meta"]) == {
        "creationDateTime",
        "lastUpdatedDateTime",
        "keyCount",
    }
    assert res.kvs_reads == 8


@pytest.mark.node
@pytest.mark.usefixtures("_close")
def test_without_a_store_cf_kvs_throws(handlers_dir: Path) -> None:
    path = write(handlers_dir / "reader.js", READER)
    res = el.invoke(path, el.build_cff_event(), runtime=RT2, rules=ROOMY)
    assert res.status == 503 and "no KeyValueStore is associated" in res.error.message


@pytest.mark.node
@pytest.mark.usefixtures("_close")
def test_the_store_can_change_between_calls(handlers_dir: Path) -> None:
    path = write(
        handlers_dir / "one.js",
        "import cf from 'cloudfront';\n"
        "async function handler(event) {\n"
        "  return { statusCode: 200, body: await cf.kvs().get('k') };\n}\n",
    )
    fn = el.load_cloudfront_function(path, RT2, rules=ROOMY, kvs={"k": "first"})
    with fn:
        events = [el.build_cff_event()] * 2
        assert [r.response["body"] for r in fn.invoke_many(events)] == ["first", "first"]
        assert fn.invoke(el.build_cff_event(), kvs={"k": "second"}).response["body"] == "second"
        fn.reset()  # a new worker must be sent the store again
        assert fn.invoke(el.build_cff_event()).response["body"] == "first"


def test_a_distribution_definitions_store_loads(tmp_path: Path) -> None:
    from edgelab.definitions import KeyValueStore as DefinedStore

    path = import_file(tmp_path, [{"key": "k", "value": "v"}])
    store = el.load_kvs(DefinedStore(name="redirects", arn="", data_path=str(path)))
    assert store is not None and store.name == "redirects" and store["k"] == "v"
