"""CloudFront KeyValueStore: a store loaded from AWS's import file, with its size limits.

The file is what CloudFront imports from S3 when a store is created (facts §5.4)::

    {"data": [{"key": "k1", "value": "v1"}, {"key": "weights", "value": "{\\"A\\": 0.5}"}]}

UTF-8 JSON, no duplicate keys, each key at most 512 bytes and each value at most 1 KB
(decision "kvs key size"), the whole store at most 5 MB; the limits come from the
CloudFront Functions rule set, so ``--set kvs-value-size=2048`` changes them. A function
reads the store with ``cf.kvs().get(key, {format})``, ``exists(key)`` and ``meta()``
(runtime 2.0; ``edgelab.runtimes.cloudfront_js`` gives it the store).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..rules.tables import RuleSet
from ..runtimes import jsonwire
from .limits import get_cff_rules, limit


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _entry_bytes(key: Any, value: Any, where: str, key_max: int, value_max: int) -> int:
    """The bytes one ``key``/``value`` pair takes in a store (UTF-8 key plus value); a
    :class:`ConfigError` unless both are strings within their size limits (facts §5.4)."""
    if not isinstance(key, str) or not key:
        raise ConfigError(
            f"{where}a KeyValueStore key must be a non-empty string; got {key!r} (facts §5.4)",
            key="kvs",
        )
    if not isinstance(value, str):
        raise ConfigError(
            f"{where}the value of key {key!r} must be a string (a KeyValueStore keeps "
            f"strings; store JSON as text and read it with format 'json'); got "
            f"{type(value).__name__}",
            key="kvs",
        )
    kb, vb = len(key.encode("utf-8")), len(value.encode("utf-8"))
    if kb > key_max:
        raise ConfigError(
            f"{where}key {key[:40]!r}... is {kb:,} bytes; a KeyValueStore "
            f"key is at most {key_max:,} bytes (facts §5.4)",
            key="kvs",
        )
    if vb > value_max:
        raise ConfigError(
            f"{where}the value of key {key!r} is {vb:,} bytes; a "
            f"KeyValueStore value is at most {value_max:,} bytes (facts "
            "§5.4)",
            key="kvs",
        )
    return kb + vb


class KeyValueStoreData:
    """An immutable key/value store as a CloudFront Function sees it at the edge."""

    def __init__(
        self,
        data: Mapping[str, str],
        *,
        name: str = "kvs",
        created: float | None = None,
        last_updated: float | None = None,
        rules: RuleSet | str | None = None,
        source: str = "",
    ) -> None:
        self.name = name
        self.source = source or name
        rules = get_cff_rules(rules)
        where = f"{self.source}: " if self.source else ""
        key_max = int(limit(rules, "kvs-key-size"))
        value_max = int(limit(rules, "kvs-value-size"))
        total_max = int(limit(rules, "kvs-total-size"))
        items: dict[str, str] = {}
        total = 0
        for key, value in data.items():
            total += _entry_bytes(key, value, where, key_max, value_max)
            items[key] = value
        if total > total_max:
            raise ConfigError(
                f"{where}the store holds {total:,} bytes of keys and values; a "
                f"KeyValueStore is at most {total_max:,} bytes (facts §5.4)",
                key="kvs",
            )
        self._data = items
        self.total_size = total
        now = datetime.now(UTC).timestamp()
        self.created = now if created is None else created
        self.last_updated = self.created if last_updated is None else last_updated
        canonical = jsonwire.dumps(sorted(items.items()))
        self.digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]

    # -- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._data.get(key, default)

    def items(self) -> list[tuple[str, str]]:
        return list(self._data.items())

    def meta(self) -> dict[str, Any]:
        """What ``cf.kvs().meta()`` resolves to (facts §5.4)."""
        return {
            "creationDateTime": _iso(self.created),
            "lastUpdatedDateTime": _iso(self.last_updated),
            "keyCount": len(self._data),
        }

    def to_import_json(self) -> dict[str, Any]:
        """The store in AWS's import format."""
        return {"data": [{"key": k, "value": v} for k, v in self._data.items()]}

    def to_worker(self) -> dict[str, Any]:
        return {"id": self.digest, "data": list(self._data.items()), "meta": self.meta()}

    def __repr__(self) -> str:
        return f"<KeyValueStoreData {self.name!r}: {len(self)} keys, {self.total_size:,} bytes>"

    # -- loading ------------------------------------------------------------------------
    @classmethod
    def from_file(
        cls, path: str | Path, *, rules: RuleSet | str | None = None
    ) -> KeyValueStoreData:
        """Load AWS's import format (``{"data": [{"key", "value"}, ...]}``)."""
        p = Path(path)
        if not p.is_file():
            raise ConfigError(
                f"KeyValueStore file {str(path)!r} does not exist or is not a "
                'file; give a JSON file like {"data": [{"key": "k", "value": '
                '"v"}]} (facts §5.4)',
                key="kvs",
            )
        rules = get_cff_rules(rules)
        size = p.stat().st_size
        total_max = int(limit(rules, "kvs-total-size"))
        if size > total_max:
            raise ConfigError(
                f"KeyValueStore file {str(path)!r} is {size:,} bytes; an import "
                f"file is at most {total_max:,} bytes (facts §5.4)",
                key="kvs",
            )
        try:
            doc = json.loads(p.read_bytes().decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"KeyValueStore file {str(path)!r} is not UTF-8: {exc}", key="kvs"
            ) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"KeyValueStore file {str(path)!r} is not JSON: {exc.msg} at line "
                f"{exc.lineno}, column {exc.colno}",
                key="kvs",
            ) from None
        mtime = p.stat().st_mtime
        return cls(
            _import_entries(doc, str(path)),
            name=p.stem,
            created=mtime,
            last_updated=mtime,
            rules=rules,
            source=str(path),
        )


def _import_entries(doc: Any, source: str) -> dict[str, str]:
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise ConfigError(
            f"{source}: a KeyValueStore import file is a JSON object with a "
            '"data" list, as in {"data": [{"key": "k1", "value": "v1"}]} '
            "(facts §5.4)",
            key="kvs",
        )
    out: dict[str, str] = {}
    for i, entry in enumerate(doc["data"]):
        if (
            not isinstance(entry, dict)
            or set(entry) - {"key", "value"}
            or "key" not in entry
            or "value" not in entry
        ):
            raise ConfigError(
                f'{source}: data[{i}] must be an object with exactly "key" and '
                f'"value"; got {entry!r}',
                key="kvs",
            )
        key = entry["key"]
        if key in out:
            raise ConfigError(
                f"{source}: data[{i}] repeats key {key!r}; an import file has no "
                "duplicate keys (facts §5.4)",
                key="kvs",
            )
        out[key] = entry["value"]
    return out


KvsLike = KeyValueStoreData | Mapping[str, str] | str | Path


def load_kvs(source: Any, *, rules: RuleSet | str | None = None) -> KeyValueStoreData | None:
    """A :class:`KeyValueStoreData` from a store, a path to an import file, an import-format
    dict, a plain ``{key: value}`` mapping, or a distribution definition's KeyValueStore
    (its ``data_path``); None stays None."""
    if source is None or isinstance(source, KeyValueStoreData):
        return source
    data_path = getattr(source, "data_path", None)  # a distribution definition's store
    if data_path is not None:
        store = KeyValueStoreData.from_file(data_path, rules=rules)
        store.name = str(getattr(source, "name", "") or store.name)
        return store
    if isinstance(source, str | os.PathLike):
        return KeyValueStoreData.from_file(Path(source), rules=rules)
    if isinstance(source, Mapping):
        if set(source) == {"data"} and isinstance(source["data"], list):
            return KeyValueStoreData(_import_entries(dict(source), "kvs"), rules=rules)
        return KeyValueStoreData(source, rules=rules)
    raise ConfigError(
        f"kvs must be a KeyValueStoreData, the path of an import file or a mapping "
        f"of keys to string values; got {type(source).__name__}",
        key="kvs",
    )
