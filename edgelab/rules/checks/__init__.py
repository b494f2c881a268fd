"""The validator's checks, one module per thing they check (``catalogue.GROUPS``):

* ``shape``: what was returned and the types of its fields;
* ``status``: the response status;
* ``headers``: header maps, their characters, the header lists;
* ``request``: uri, query string, read-only request fields;
* ``sizes``: quotas on the whole request or response;
* ``body``: request and response bodies;
* ``origin``: the origin an origin-request function picks.

Each check is a function of a subject (``violation.RequestSubject`` or
``ResponseSubject``) that records what it finds; :data:`REQUEST_CHECKS` and
:data:`RESPONSE_CHECKS` list them in the order a returned value meets them, and
``validate.validate_result`` walks the list in one loop.
"""

from __future__ import annotations

from collections.abc import Callable

from ..violation import RequestSubject, ResponseSubject
from . import body, headers, origin, request, shape, sizes, status

REQUEST_CHECKS: tuple[Callable[[RequestSubject], None], ...] = (
    shape.uri_is_a_string,
    request.uri,
    request.querystring,
    sizes.uri_querystring_length,
    request.read_only_fields,
    headers.request_headers,
    sizes.request_size,
    body.request_body,
    origin.origin,
)
RESPONSE_CHECKS: tuple[Callable[[ResponseSubject], None], ...] = (
    status.status_code,
    status.unchanged_in_viewer_response,
    shape.status_description,
    headers.response_headers,
    shape.response_body,
    body.response_base64,
    status.no_body_with_204,
    sizes.response_size,
)
