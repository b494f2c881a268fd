"""Finding functions and origins locally, and the mapping options for what is not found.

Mapping options (the same in Python, on the command line and in a ``--map`` file):

* ``functions``: ``NAME_OR_ARN_OR_LOGICAL_ID -> PATH[:export]`` (``--function``). PATH is
  a handler file (``.py``, ``.js``, ``.mjs``, ``.cjs``; a CloudFront Function is a ``.js``
  file) or a folder, in which the definition's ``Handler`` (``index.handler``) is looked
  up. The key may be a function's logical id or Terraform address, its name, its ARN
  (with or without the version) or the version resource's logical id.
* ``origins``: ``ORIGIN_ID -> DIR_OR_URL`` (``--origin``): a folder served like an S3
  bucket, or an ``http://`` URL of a local server. Origins left unmapped answer with the
  echo origin.
* ``key_value_stores``: ``NAME_OR_ARN -> FILE.json`` (``--kvs``), the store's import file.
* ``policies``: ``POLICY_ID -> FILE.json`` (``--policy``): ``aws cloudfront
  get-cache-policy`` / ``get-origin-request-policy`` / ``get-response-headers-policy``
  output for a custom policy the definition only names by id.
* ``parameters``: ``NAME -> VALUE`` (``--parameter``): CloudFormation parameters and
  pseudo-parameters.

A map file may also have ``[aws]`` and ``[http]`` (:mod:`.outbound`): what the functions'
outbound calls reach, for a definition whose format cannot say it; they replace the
definition's own.

Paths given on the command line (or to :func:`mapping_options`) are relative to the
working directory; paths inside a definition or a map file are relative to that file.
Code that must be unpacked or written out (inline ``ZipFile`` code, zip files, inline
CloudFront Function code) goes to the cache folder: ``.edgelab/cache/<file stem>/``
next to the definition file unless ``cache_dir`` says otherwise. Files there are only
rewritten when their content changes, so a running ``edgelab serve`` does not reload
needlessly.
"""

from __future__ import annotations

import hashlib
import tomllib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DefinitionError
from ..runtimes.base import DEFAULT_LAMBDA_RUNTIMES
from .decode import Loc
from .model import (
    CloudFrontFunction,
    HttpSpec,
    KeyValueStore,
    LambdaEdgeFunction,
    LocalAwsSpec,
    LocalTarget,
)
from .outbound import OUTBOUND_SECTIONS, read_outbound

HANDLER_SUFFIXES = {"node": (".js", ".mjs", ".cjs"), "python": (".py",)}
MAP_KEYS = ("functions", "origins", "key_value_stores", "policies", "parameters")


@dataclass
class MappingOptions:
    """What the user maps by hand (see the module docstring). Paths are absolute."""

    functions: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    key_value_stores: dict[str, str] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    distribution: str | None = None
    cache_dir: Path | None = None
    #: key -> "--function" / "map file FILE", for the trace of who mapped what.
    origin_of: dict[str, str] = field(default_factory=dict)
    #: a map file's ``[aws]`` and ``[http]``
    aws: LocalAwsSpec | None = None
    http: HttpSpec | None = None


def _absolute(value: str, base: Path) -> str:
    """``PATH[:export]`` or a URL with PATH made absolute against ``base``."""
    if "://" in value:
        return value
    path, export = split_spec(value)
    full = str((base / path).resolve()) if path else path
    return f"{full}:{export}" if export else full


def split_spec(value: str) -> tuple[str, str]:
    """``"dir/index.mjs:handler"`` -> ``("dir/index.mjs", "handler")``."""
    head, sep, tail = value.rpartition(":")
    if (
        sep
        and head
        and tail
        and "/" not in tail
        and "\\" not in tail
        and "." not in tail
        and len(head) > 1
    ):
        return head, tail
    return value, ""


def mapping_options(
    *,
    functions: Mapping[str, str] | None = None,
    origins: Mapping[str, str] | None = None,
    key_value_stores: Mapping[str, str] | None = None,
    policies: Mapping[str, str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    map_file: str | Path | None = None,
    distribution: str | None = None,
    cache_dir: str | Path | None = None,
    base: Path | None = None,
) -> MappingOptions:
    """Merge a ``--map`` TOML file (its ``[mappings]`` table; paths relative to it) with
    explicit options (paths relative to ``base``, the working directory by default;
    explicit options win)."""
    base = base or Path.cwd()
    out = MappingOptions(
        distribution=distribution, cache_dir=Path(base, cache_dir).resolve() if cache_dir else None
    )
    if map_file is not None:
        _read_map_file(Path(base, map_file), out)
    for name, given in (
        ("functions", functions),
        ("origins", origins),
        ("key_value_stores", key_value_stores),
        ("policies", policies),
    ):
        for key, value in (given or {}).items():
            getattr(out, name)[str(key)] = _absolute(str(value), base)
            out.origin_of[str(key)] = (
                "--"
                + {
                    "functions": "function",
                    "origins": "origin",
                    "key_value_stores": "kvs",
                    "policies": "policy",
                }[name]
            )
    for key, value in (parameters or {}).items():
        out.parameters[str(key)] = str(value)
    return out


def _read_map_file(path: Path, out: MappingOptions) -> None:
    display = str(path)
    if not path.is_file():
        raise DefinitionError(f"the map file {display!r} does not exist", where="--map")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"not valid TOML: {exc}", file=display) from None
    outbound = {k: v for k, v in data.items() if k in OUTBOUND_SECTIONS}
    table = data.get("mappings", {} if outbound else None)
    extra = sorted(set(data) - {"mappings", *OUTBOUND_SECTIONS})
    if not isinstance(table, Mapping) or extra:
        raise DefinitionError(
            "a map file has one [mappings] table with "
            f"{', '.join(MAP_KEYS)} sub-tables (and [aws], [http] if the functions call "
            f"out); got the keys {sorted(data)}",
            file=display,
        )
    out.aws, out.http = read_outbound(outbound, path.parent, Loc(display))
    for name, values in table.items():
        if name not in MAP_KEYS or not isinstance(values, Mapping):
            raise DefinitionError(
                f"[mappings.{name}] is not known; allowed: "
                f"{', '.join(MAP_KEYS)} (tables of NAME = VALUE)",
                file=display,
                where=f"mappings.{name}",
            )
        for key, value in values.items():
            if name == "parameters":
                out.parameters[str(key)] = str(value)
                continue
            if not isinstance(value, str) or not value:
                raise DefinitionError(
                    f"must be a path or URL string; got {value!r}",
                    file=display,
                    where=f"mappings.{name}.{key}",
                )
            getattr(out, name)[str(key)] = _absolute(value, path.parent)
            out.origin_of[str(key)] = f"map file {path.name}"


# -- origins --------------------------------------------------------------------------------
def local_from_mapping(value: str, origin_id: str, mapped_by: str) -> LocalTarget:
    """``--origin ID=DIR_OR_URL``: a folder (served like S3) or a URL (a local server)."""
    if value.startswith(("http://", "https://")):
        return LocalTarget("http", url=value, mapped_by=mapped_by)
    path = Path(value)
    if not path.is_dir():
        raise DefinitionError(
            f"--origin {origin_id}={value}: the folder does not exist; "
            "give a folder (served like an S3 bucket) or an http:// URL",
            where=f"origins.{origin_id}",
        )
    return LocalTarget("folder", path=str(path), mapped_by=mapped_by)


ECHO = LocalTarget("echo", mapped_by="default")


# -- code on disk ---------------------------------------------------------------------------
def write_if_changed(path: Path, data: bytes) -> Path:
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


def unzip(archive: Path, cache_dir: Path, loc: Loc) -> Path:
    """Unpack ``archive`` into the cache (once per content); refuse members that would
    land outside it."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    target = cache_dir / "unzipped" / f"{archive.stem}-{digest}"
    marker = target / ".edgelab-unzipped"
    if marker.is_file():
        return target
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                dest = (target / member).resolve()
                if not dest.is_relative_to(target.resolve()):
                    raise loc.error(
                        f"the zip file {archive} has a member {member!r} outside "
                        "its folder; refusing to unpack it"
                    )
            zf.extractall(target)
    except zipfile.BadZipFile:
        raise loc.error(f"{archive} is not a zip file") from None
    marker.write_text(archive.name, encoding="utf-8")
    return target


def language_of(runtime: str) -> str | None:
    r = runtime.lower()
    return "node" if r.startswith("nodejs") else "python" if r.startswith("python") else None


def locate_handler(code_dir: Path, handler: str, language: str) -> tuple[Path, str] | None:
    """Lambda's ``Handler`` (``index.handler``, ``src/app.lambda_handler``,
    ``pkg.mod.fn`` for Python) -> (file, export) in ``code_dir``, or None."""
    module, _, export = handler.rpartition(".")
    if not module or not export:
        return None
    candidates = [module]
    if language == "python" and "." in module:
        candidates.append(module.replace(".", "/"))
    for mod in candidates:
        for suffix in HANDLER_SUFFIXES[language]:
            path = code_dir / (mod + suffix)
            if path.is_file():
                return path.resolve(), export
    return None


@dataclass
class FunctionFinder:
    """Turns what a definition says about a function into a local one, or records why it
    cannot (all unresolved associations are reported together by :meth:`check`)."""

    mappings: MappingOptions
    cache_dir: Path
    unresolved: list[str] = field(default_factory=list)

    def mapped(self, keys: list[str]) -> tuple[str, str] | None:
        """(key, value) of the first ``functions`` mapping naming one of ``keys``."""
        for key in keys:
            if key and key in self.mappings.functions:
                return key, self.mappings.functions[key]
        return None

    def report(
        self, loc: Loc, event: str, keys: list[str], reason: str, example: str = "PATH[:export]"
    ) -> None:
        key = next((k for k in keys if k), "NAME")
        self.unresolved.append(f"{loc}: {event}: {reason}; map it with --function {key}={example}")

    def check(self) -> None:
        if self.unresolved:
            n = len(self.unresolved)
            raise DefinitionError(
                f"{n} function association{'s' if n > 1 else ''} cannot be found locally:\n  "
                + "\n  ".join(self.unresolved)
                + "\n(--function takes a handler file, file:export, or a folder holding the "
                "code; repeatable, or a [mappings.functions] table in a --map file)",
                unresolved=tuple(self.unresolved),
            )

    # -- Lambda@Edge ------------------------------------------------------------------------
    def lambda_function(
        self,
        *,
        name: str,
        arn: str,
        keys: list[str],
        loc: Loc,
        event: str,
        runtime: str | None,
        handler: str | None,
        code_dir: Path | None,
        code_from: str,
        missing_reason: str = "",
        memory_mb: int | None = None,
        timeout_s: float | None = None,
    ) -> LambdaEdgeFunction | None:
        """A local Lambda@Edge function from a mapping (first) or from ``code_dir`` +
        ``handler``; None (and a recorded reason) when neither works."""
        hit = self.mapped(keys)
        if hit:
            return self._from_mapping(
                hit,
                name=name,
                arn=arn,
                loc=loc,
                runtime=runtime,
                handler=handler,
                memory_mb=memory_mb,
                timeout_s=timeout_s,
            )
        if code_dir is None:
            self.report(loc, event, keys, missing_reason or "its code is not in the definition")
            return None
        found = self._in_code_dir(code_dir, runtime, handler, (loc, event, keys))
        if found is None:
            return None
        language, path, export = found
        return LambdaEdgeFunction(
            name=name,
            arn=arn,
            runtime=runtime or "",
            language=language,
            handler=f"{path}:{export}",
            path=str(path),
            export=export,
            code_root=str(code_dir.resolve()),
            code_from=code_from,
            memory_mb=memory_mb,
            timeout_s=timeout_s,
            source=loc.source(),
        )

    def _in_code_dir(
        self,
        code_dir: Path,
        runtime: str | None,
        handler: str | None,
        where: tuple[Loc, str, list[str]],
    ) -> tuple[str, Path, str] | None:
        """(language, handler file, export) of a function whose code is in ``code_dir``;
        None, with the reason reported at ``where`` (loc, event, keys), when it is not."""
        language = language_of(runtime or "")
        if language is None:
            self.report(
                *where,
                f"runtime {runtime!r} is neither Python nor Node.js, the only Lambda@Edge runtimes",
            )
            return None
        found = locate_handler(code_dir, handler or "", language) if handler else None
        if found is None:
            self.report(*where, f"the handler {handler!r} ({language}) is not in {code_dir}")
            return None
        return language, *found

    def _from_mapping(
        self,
        hit: tuple[str, str],
        *,
        name: str,
        arn: str,
        loc: Loc,
        runtime: str | None,
        handler: str | None,
        memory_mb: int | None,
        timeout_s: float | None,
    ) -> LambdaEdgeFunction:
        key, value = hit
        how = self.mappings.origin_of.get(key, "--function")
        path_text, export = split_spec(value)
        file, default_export, code_root = _mapped_handler(
            f"{how} {key}={value}", key, path_text, runtime, handler
        )
        language = (
            "python"
            if file.suffix == ".py"
            else "node"
            if file.suffix in HANDLER_SUFFIXES["node"]
            else None
        )
        if language is None:
            raise DefinitionError(
                f"{how} {key}={value}: a Lambda@Edge handler is a .py, .js,"
                f" .mjs or .cjs file; got {file.name}",
                where=f"functions.{key}",
            )
        export = export or default_export or "handler"
        return LambdaEdgeFunction(
            name=name,
            arn=arn,
            runtime=runtime or DEFAULT_LAMBDA_RUNTIMES[language],
            language=language,
            handler=f"{file}:{export}",
            path=str(file),
            export=export,
            code_root=str(code_root.resolve()),
            code_from=how,
            memory_mb=memory_mb,
            timeout_s=timeout_s,
            source=loc.source(),
        )

    def inline_lambda_dir(self, name: str, runtime: str, handler: str, code: str) -> Path:
        """Write inline ``ZipFile`` code as CloudFormation does (``index.js`` /
        ``index.py``; the handler's module name when it differs) and return its folder."""
        language = language_of(runtime) or "node"
        module = (handler.rpartition(".")[0] or "index") if handler else "index"
        suffix = ".py" if language == "python" else ".js"
        folder = self.cache_dir / "inline" / name
        write_if_changed(folder / (module + suffix), code.encode("utf-8"))
        return folder

    # -- CloudFront Functions ---------------------------------------------------------------
    def cloudfront_function(
        self,
        *,
        name: str,
        arn: str,
        keys: list[str],
        loc: Loc,
        event: str,
        runtime: str | None,
        code: str | None,
        code_path: Path | None = None,
        key_value_store: KeyValueStore | None = None,
        missing_reason: str = "",
    ) -> CloudFrontFunction | None:
        """A local CloudFront Function from a mapping, inline code (written to the cache)
        or a file."""
        hit = self.mapped(keys)
        code_from = "inline"
        if hit:
            key, value = hit
            path = Path(split_spec(value)[0])
            if not path.is_file() or path.suffix != ".js":
                raise DefinitionError(
                    f"{self.mappings.origin_of.get(key, '--function')} "
                    f"{key}={value}: a CloudFront Function is a .js file "
                    "that exists",
                    where=f"functions.{key}",
                )
            code_path, code_from = path.resolve(), self.mappings.origin_of.get(key, "--function")
        elif code is not None:
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "function"
            code_path = write_if_changed(
                self.cache_dir / "cloudfront-functions" / f"{safe}.js", code.encode("utf-8")
            )
        elif code_path is not None:
            code_from = "file"
        else:
            self.report(
                loc,
                event,
                keys,
                missing_reason or "its code is not in the definition",
                example="PATH.js",
            )
            return None
        chosen = runtime or "cloudfront-js-2.0"
        return CloudFrontFunction(
            name=name,
            arn=arn,
            runtime=chosen,
            path=str(code_path),
            code_from=code_from,
            key_value_store=key_value_store,
            source=loc.source(),
        )

    def key_value_store(
        self,
        *,
        name: str,
        arn: str,
        keys: list[str],
        loc: Loc,
        data_path: Path | None = None,
        data: bytes | None = None,
    ) -> KeyValueStore:
        for key in keys:
            if key and key in self.mappings.key_value_stores:
                path = Path(self.mappings.key_value_stores[key])
                if not path.is_file():
                    raise DefinitionError(
                        f"--kvs {key}={path}: the file does not exist",
                        where=f"key_value_stores.{key}",
                    )
                return KeyValueStore(name, arn, str(path), loc.source())
        if data is not None:
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "store"
            data_path = write_if_changed(self.cache_dir / "key-value-stores" / f"{safe}.json", data)
        return KeyValueStore(name, arn, str(data_path) if data_path else None, loc.source())


def _mapped_handler(
    said: str, key: str, path_text: str, runtime: str | None, handler: str | None
) -> tuple[Path, str, Path]:
    """(handler file, its default export, code root) of a ``--function`` mapping to a file
    or to a folder (where the definition's Handler is looked for); ``said`` is the
    mapping as the user wrote it, for the error."""
    path = Path(path_text)
    if path.is_dir():
        lang = language_of(runtime or "")
        found = locate_handler(path, handler, lang) if handler and lang else None
        if found is None:
            raise DefinitionError(
                f"{said}: the folder has no handler for "
                f"{handler or '(no Handler in the definition)'} "
                f"({runtime or 'unknown runtime'}); give the handler file, e.g. "
                f"{key}={path_text}/index.js:handler",
                where=f"functions.{key}",
            )
        return found[0], found[1], path
    if path.is_file():
        file = path.resolve()
        return file, (handler or ".handler").rpartition(".")[2], file.parent
    raise DefinitionError(f"{said}: {path_text} does not exist", where=f"functions.{key}")
