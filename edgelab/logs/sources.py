"""Where log lines come from: files, folders, globs, gzip, and which format each file is.

:func:`expand` turns a file, a folder (searched recursively, as CloudFront's S3 delivery
nests ``AWSLogs/{account}/CloudFront/...`` and Hive-style ``year=/month=`` folders), a
glob or a list of those into files. :func:`open_binary` opens one file, gzip or not
(decided by its first two bytes, never by its name), as a stream: nothing is read whole.

:func:`detect_format` decides a file's format from its first bytes, in this order:

1. ``PAR1`` magic -> ``v2-parquet`` (standard logging v2, Parquet output; facts logs §2);
2. the first line that is not blank (after gunzipping): ``#Version:`` or ``#Fields:`` ->
   W3C; a ``#Fields`` line naming a v2-only field (``timestamp(ms)``, ``c-country``,
   ``cache-behavior-path-pattern``, ``origin-fbl`` ...) -> ``v2-w3c``, else ``legacy``
   (the two share one reader; the names only say what the file can hold);
3. ``{`` -> ``v2-json`` (one JSON object per line);
4. tab-separated values whose first is epoch seconds (``1605207600.123``) -> ``realtime``
   (facts logs §3: fixed order, no header, the timestamp first);
5. delimited values whose first is a date (``2025-03-01``) or epoch milliseconds
   (``timestamp(ms)``) -> ``v2-plain`` without a header, which can be read only with the
   delivery's field list (``fields=``);
6. anything else is refused, naming what the first line looked like.
"""

from __future__ import annotations

import glob
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import ConfigError
from .fields import V2_ONLY, canonical

FORMATS = ("legacy", "v2-w3c", "v2-plain", "v2-json", "v2-parquet", "realtime")
ALIASES = {
    "w3c": "v2-w3c",
    "plain": "v2-plain",
    "json": "v2-json",
    "parquet": "v2-parquet",
    "real-time": "realtime",
    "standard": "legacy",
    "kinesis": "realtime",
}
DESCRIPTIONS = {
    "legacy": "standard log (legacy, W3C with #Fields; facts logs §1, lambda-edge-facts §12)",
    "v2-w3c": "standard logging v2, W3C output (#Fields header; facts logs §2)",
    "v2-plain": "standard logging v2, plain output (delimited values; facts logs §2)",
    "v2-json": "standard logging v2, JSON output (one object per line; facts logs §2)",
    "v2-parquet": "standard logging v2, Parquet output (facts logs §2)",
    "realtime": "real-time log (Kinesis record per line, fixed field order; facts logs §3)",
}
_EPOCH_S = re.compile(rb"^\d{9,11}(\.\d+)?$")  # real-time: 1605207600.123
_V2_START = re.compile(rb"^\d{4}-\d{2}-\d{2}$|^\d{12,14}$")  # a date, or timestamp(ms)


def format_name(value: str | None) -> str | None:
    """``None``/``"auto"`` -> None (detect); an alias -> its format; refuses the rest."""
    if value is None or value == "auto":
        return None
    v = ALIASES.get(value.strip().lower(), value.strip().lower())
    if v not in FORMATS:
        raise ConfigError(
            f"format must be one of auto, {', '.join(FORMATS)} (or "
            f"{', '.join(sorted(ALIASES))}); got {value!r}"
        )
    return v


def expand(sources: str | Path | Iterable[str | Path]) -> list[Path]:
    """The files named by ``sources`` (files, folders searched recursively, globs)."""
    items = [sources] if isinstance(sources, str | Path) else list(sources)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files += sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        elif p.is_file():
            files.append(p)
        elif any(ch in str(item) for ch in "*?["):
            files += sorted(
                Path(m) for m in glob.glob(str(item), recursive=True) if Path(m).is_file()
            )
        else:
            raise ConfigError(
                f"access log {str(item)!r} does not exist; give a log file "
                "(plain or .gz), a folder of them or a glob such as 'logs/*.gz'"
            )
    if not files:
        raise ConfigError(
            f"no access log files found in {', '.join(map(str, items))}; give "
            "CloudFront log files (plain, .gz or .parquet), a folder or a glob"
        )
    return files


def is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


def open_binary(path: Path) -> BinaryIO:
    """A buffered binary stream of the file's content, gunzipped when it is gzip."""
    try:
        if is_gzip(path):
            return io.BufferedReader(gzip.GzipFile(path, "rb"), buffer_size=1 << 20)
        return path.open("rb", buffering=1 << 20)
    except OSError as exc:
        raise ConfigError(f"access log {str(path)!r} cannot be opened: {exc}") from None


def lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line without its end) for every line of the file."""
    with open_binary(path) as f:
        try:
            for number, line in enumerate(f, 1):
                yield number, line.rstrip(b"\r\n")
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ConfigError(
                f"access log {str(path)!r} looks gzip-compressed but cannot be decompressed: {exc}"
            ) from None


def _head(path: Path, size: int = 1 << 16) -> bytes:
    with open_binary(path) as f:
        try:
            return f.read(size)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ConfigError(
                f"access log {str(path)!r} looks gzip-compressed but cannot be decompressed: {exc}"
            ) from None


def detect_format(path: str | Path) -> tuple[str, str]:
    """(format, why) for one file, by the rules in this module's docstring."""
    p = Path(path)
    with p.open("rb") as f:
        if f.read(4) == b"PAR1":
            return "v2-parquet", "Parquet magic bytes 'PAR1'"
    head = _head(p)
    first = next((ln.strip(b"\r") for ln in head.split(b"\n") if ln.strip()), b"")
    if not first:
        return "legacy", "empty file (no lines to read)"
    if first.startswith((b"#Version:", b"#Fields:", b"#Remark:")):
        fields = next((ln for ln in head.split(b"\n") if ln.startswith(b"#Fields:")), b"")
        names = set(fields[len(b"#Fields:") :].decode("utf-8", "replace").split())
        v2 = sorted(names & set(V2_ONLY))
        if v2:
            return "v2-w3c", f"W3C header whose #Fields names v2-only fields ({', '.join(v2)})"
        return "legacy", "W3C header (#Version/#Fields) with the legacy field names"
    if first.startswith(b"{"):
        return "v2-json", "first line is a JSON object"
    tab_parts = first.split(b"\t")
    if len(tab_parts) > 3 and _EPOCH_S.match(tab_parts[0]):
        return "realtime", (
            f"{len(tab_parts)} tab-separated values without a header, the first an epoch time"
        )
    for sep in (b"\t", b",", b"|", b";", b" "):
        parts = first.split(sep)
        if len(parts) > 3 and _V2_START.match(parts[0]):
            return "v2-plain", (
                f"{len(parts)} delimited values without a header, the first "
                "a date or epoch milliseconds"
            )
    shown = first[:80].decode("utf-8", "replace")
    raise ConfigError(
        f"{str(p)!r} is not a CloudFront log edgelab knows: its first line is {shown!r}. "
        "Known: W3C files with a '#Fields:' header (legacy or v2), JSON lines, Parquet, "
        "real-time records (tab-separated, an epoch time first); give format=... if the "
        "detection is wrong (--format on the command line; facts logs §1-§3)"
    )


def is_parquet_log(path: str | Path) -> bool:
    """A Parquet file holding a v2 log (``cs_uri_stem`` ...) rather than a traffic set
    (``uri``): read by its schema only."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (".parquet", ".pq"):
        return False
    import pyarrow.parquet as pq

    try:
        names = {canonical(n) for n in pq.read_schema(p).names}
    except Exception:  # not Parquet at all: load_traffic says so
        return False
    return "cs_uri_stem" in names and "uri" not in names
