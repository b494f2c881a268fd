"""The four CloudFront trigger points, in the order one request meets them (facts §8.1).

Each member carries what the rest of edgelab needs to know about it, so nothing else
tables triggers: its short name (``VReq``, as the fact sheet abbreviates it), the
column prefix of replay results (``vreq_``), whether it is a request or a response
trigger (§1.1), whether its event carries the origin (§1.3, §1.6) and whether it can
see the request body with Include Body (§1.4). :meth:`Trigger.parse` is the one parser
of trigger names, and :class:`~edgelab.errors.TriggerNameError` its one error.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import TriggerNameError


class Trigger(StrEnum):
    """A trigger point; the value is CloudFront's ``eventType`` (``viewer-request``)."""

    short: str
    is_request: bool
    sees_origin: bool

    def __new__(
        cls, value: str, short: str = "", is_request: bool = False, sees_origin: bool = False
    ) -> Trigger:
        member = str.__new__(cls, value)
        member._value_ = value
        member.short = short
        member.is_request = is_request
        member.sees_origin = sees_origin
        return member

    #        eventType          short    request  origin
    VIEWER_REQUEST = "viewer-request", "VReq", True, False
    ORIGIN_REQUEST = "origin-request", "OReq", True, True
    ORIGIN_RESPONSE = "origin-response", "OResp", False, True
    VIEWER_RESPONSE = "viewer-response", "VResp", False, False

    @property
    def is_response(self) -> bool:
        """Response triggers get ``cf.request`` and ``cf.response`` (§1.1)."""
        return not self.is_request

    @property
    def is_viewer(self) -> bool:
        """Viewer triggers run on every request, hits included (§8.1)."""
        return not self.sees_origin

    @property
    def sees_body(self) -> bool:
        """Include Body exposes the request body to request triggers only (§1.4)."""
        return self.is_request

    @property
    def with_article(self) -> str:
        """``a viewer-request``, ``an origin-response``: for messages."""
        return f"{'an' if self.value.startswith('origin') else 'a'} {self.value}"

    @property
    def prefix(self) -> str:
        """The column prefix of this trigger's replay results: ``vreq``, ``oresp`` ..."""
        return self.short.lower()

    @classmethod
    def parse(cls, value: str | Trigger, *, what: str = "trigger", key: str = "") -> Trigger:
        """``value`` as a trigger (case and surrounding spaces ignored); else a
        :class:`TriggerNameError` that names ``what``, lists the allowed names and
        carries ``key`` (where the name came from, for config errors)."""
        if isinstance(value, Trigger):
            return value
        if not isinstance(value, str):  # never str() a deep or hostile object
            raise TriggerNameError(
                f"{what} must be one of {', '.join(TRIGGER_NAMES)}; got a {type(value).__name__}",
                key=key or what,
                value=type(value).__name__,
            )
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise TriggerNameError(
                f"{what} must be one of {', '.join(TRIGGER_NAMES)}; got {value!r}",
                key=key or what,
                value=value,
            ) from None


TRIGGERS: tuple[Trigger, ...] = tuple(Trigger)
TRIGGER_NAMES: tuple[str, ...] = tuple(t.value for t in Trigger)
