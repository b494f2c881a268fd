"""The one small exception tree of edgelab.

    EdgelabError                 anything edgelab refuses to work with (CLI: exit 2)
    ├── EventError               an event that is not a usable Lambda@Edge event
    ├── HandlerLoadError         a handler that cannot be found or imported
    ├── RuntimeUnavailable       no runtime for the handler (for example no Node.js)
    └── ConfigError              bad rule set, rule override or distribution config
        └── DefinitionError      a distribution definition (TOML, CloudFormation, API JSON,
                                 Terraform) that cannot be used: names file, line, logical id

Handler failures are *not* exceptions: they are results (see ``edgelab.outcome``).
Each exception carries the context that explains it, and its message is one
paragraph that names what was wrong and what is allowed.
"""

from __future__ import annotations


class EdgelabError(Exception):
    """Base class: input edgelab cannot use at all."""


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
