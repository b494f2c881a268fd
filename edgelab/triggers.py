"""The four CloudFront trigger points, in the order one request meets them (facts §8.1)."""

from __future__ import annotations

from enum import StrEnum

from .errors import EdgelabError


class Trigger(StrEnum):
    VIEWER_REQUEST = "viewer-request"
    ORIGIN_REQUEST = "origin-request"
    ORIGIN_RESPONSE = "origin-response"
    VIEWER_RESPONSE = "viewer-response"

    @property
    def is_request(self) -> bool:
        """Request triggers get ``cf.request`` only and may generate a response (§1.1, §4)."""
        return self in (Trigger.VIEWER_REQUEST, Trigger.ORIGIN_REQUEST)

    @property
    def is_viewer(self) -> bool:
        return self in (Trigger.VIEWER_REQUEST, Trigger.VIEWER_RESPONSE)

    @property
    def short(self) -> str:
        """VReq / OReq / OResp / VResp, as the fact sheet abbreviates them."""
        return {"viewer-request": "VReq", "origin-request": "OReq",
                "origin-response": "OResp", "viewer-response": "VResp"}[self.value]


TRIGGERS: tuple[Trigger, ...] = tuple(Trigger)
TRIGGER_NAMES: tuple[str, ...] = tuple(t.value for t in Trigger)


def as_trigger(value: str | Trigger, *, what: str = "trigger") -> Trigger:
    """Parse a trigger name, with a message that lists the allowed values."""
    if isinstance(value, Trigger):
        return value
    try:
        return Trigger(str(value).strip().lower())
    except ValueError:
        raise EdgelabError(
            f"{what} must be one of {', '.join(TRIGGER_NAMES)}; got {value!r}"
        ) from None
