"""The one small exception tree of edgelab.

    EdgelabError                 anything edgelab refuses to work with (CLI: exit 2)
    ├── EventError               an event that is not a usable Lambda@Edge event
    ├── HandlerLoadError         a handler that cannot be found or imported
    ├── RuntimeUnavailable       no runtime for the handler (for example no Node.js)
    ├── ConfigError              bad rule set, rule override or distribution config
    │   ├── DefinitionError      a distribution definition (TOML, CloudFormation, API JSON,
    │   │                        Terraform) that cannot be used: names file, line, logical id
    │   ├── TriggerNameError     a name that is not one of the four triggers
    │   └── InputError           a traffic, log, trace or results file, or a frame's
    │                            columns, that edgelab cannot read
    └── OriginError              the origin gave no HTTP response (the chain answers
                                 CloudFront's 502/504 for it; it never escapes a trace)

``InputError`` is its own class; it derives from ``ConfigError`` only so that code
written when bad files were ``ConfigError`` keeps catching them.

Handler failures are *not* exceptions: they are results (see ``edgelab.rules.outcome``).
Each exception carries the context that explains it (``trigger``, ``request_id``,
``handler`` where edgelab knows them, plus ``path``, ``key`` or ``source``), and its
message is one paragraph that names what was wrong and what is allowed.
"""

from __future__ import annotations

from typing import Any


class EdgelabError(Exception):
    """Base class: input edgelab cannot use at all.

    ``trigger``, ``request_id`` and ``handler`` say where it happened, when known.
    """

    trigger: str | None = None
    request_id: str | None = None
    handler: str | None = None

    def with_context(
        self,
        *,
        trigger: str | None = None,
        request_id: str | None = None,
        handler: str | None = None,
    ) -> EdgelabError:
        """Fill in the context fields that are still unknown; returns ``self``."""
        self.trigger = self.trigger or trigger
        self.request_id = self.request_id or request_id
        self.handler = self.handler or handler
        return self


class EventError(EdgelabError, ValueError):
    """An event that is malformed; ``path`` points at the offending key."""

    def __init__(self, message: str, *, path: str = "", source: str = "") -> None:
        self.path = path
        self.source = source
        where = f" (at {path})" if path else ""
        origin = f"{source}: " if source else ""
        super().__init__(f"{origin}{message}{where}")


class HandlerLoadError(EdgelabError):
    """A handler spec that names a missing file or function, or that does not import."""

    def __init__(self, message: str, *, spec: str = "") -> None:
        self.spec = spec
        self.handler = spec or None
        super().__init__(message)


class RuntimeUnavailable(EdgelabError):
    """No runtime can run this handler here (for example, Node.js is missing)."""


class ConfigError(EdgelabError, ValueError):
    """A rule-set name, rule override or distribution config that cannot be used."""

    def __init__(self, message: str, *, key: str = "") -> None:
        self.key = key
        super().__init__(message)


class DefinitionError(ConfigError):
    """A distribution definition that cannot be used.

    The message starts with where the bad value is (``site.yaml:42, Dist
    CacheBehaviors[1].PathPattern: ...``); ``file``, ``line`` and ``where`` hold the same.
    ``unresolved`` lists the function associations that could not be found locally, each
    with the ``--function`` flag that maps it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str = "",
        line: int | None = None,
        where: str = "",
        unresolved: tuple[str, ...] = (),
    ) -> None:
        self.file = file
        self.line = line
        self.where = where
        self.unresolved = unresolved
        place = file + (f":{line}" if file and line else "")
        prefix = ", ".join(p for p in (place, where) if p)
        super().__init__(f"{prefix}: {message}" if prefix else message, key=where or "definition")


class TriggerNameError(ConfigError):
    """A trigger name that is not viewer-request, origin-request, origin-response or
    viewer-response; ``value`` is the name given."""

    def __init__(self, message: str, *, key: str = "", value: Any = None) -> None:
        self.value = value
        super().__init__(message, key=key)


class InputError(ConfigError):
    """A traffic set, access log, trace file, results file or DataFrame that edgelab
    cannot read; ``source`` names the file or frame."""

    def __init__(self, message: str, *, source: str = "", key: str = "") -> None:
        self.source = source
        super().__init__(message, key=key)


class OriginError(EdgelabError):
    """The origin gave no HTTP response; ``status`` is what CloudFront answers (502/504)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)
