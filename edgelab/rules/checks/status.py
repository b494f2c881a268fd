"""The response status (facts §1.7, §2, §4, §6): a number, within the rule set's range,
unchanged in viewer response, and no body with a 204 generated in viewer request."""

from __future__ import annotations

from ...triggers import Trigger
from ..catalogue import Check
from ..violation import ResponseSubject


def status_code(s: ResponseSubject) -> None:
    """The status is an HTTP status code, from status-min to status-max."""
    status = s.value.get("status")
    code = s.code
    if code is None:
        s.add(
            Check.STATUS_INVALID,
            "response.status",
            f"status must be an HTTP status such as '200'; got {status!r}",
            actual=status,
        )
        return
    lowest, highest = Check.STATUS_RANGE.limits  # status-min, status-max
    lo = s.rules.limit(lowest, s.trigger) or 200
    hi = s.rules.limit(highest, s.trigger) or 599
    if not lo <= code <= hi:
        s.add(
            Check.STATUS_RANGE,
            "response.status",
            f"status {code} is outside {int(lo)}-{int(hi)}",
            actual=code,
            limit=f"{int(lo)}-{int(hi)}",
        )


def unchanged_in_viewer_response(s: ResponseSubject) -> None:
    before = s.before
    if (
        s.trigger is Trigger.VIEWER_RESPONSE
        and before is not None
        and s.code is not None
        and str(s.code) != str(before.get("status"))
    ):
        s.add(
            Check.STATUS_READ_ONLY,
            "response.status",
            "viewer response cannot change the status",
            actual=s.code,
            limit=before.get("status"),
        )


def no_body_with_204(s: ResponseSubject) -> None:
    body = s.body
    if (
        isinstance(body, str)
        and body
        and s.code == 204
        and s.generated
        and s.trigger is Trigger.VIEWER_REQUEST
    ):
        s.add(
            Check.STATUS_204_WITH_BODY,
            "response.body",
            "a 204 response generated in viewer request must not have a body",
            actual=len(body),
            limit=0,
        )
