"""How edgelab reads what the facts leave open about the chain and the distribution:
two tables of :class:`~edgelab.rules.tables.Decision` rows (case, facts section, what
edgelab does), rendered into the README and by ``edgelab rules --decisions``; a test
pins every row."""

from __future__ import annotations

from ..rules.tables import Decision

#: (case, section, decision): written once, rendered into the README and the CLI.
CHAIN_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "VReq generates a response",
        "§8.1",
        "sent to the viewer uncached; OReq, origin, OResp and VResp do not run",
    ),
    Decision(
        "a function fails (any trigger)",
        "§6",
        "CloudFront's 502/500/503 page, not cached; VResp does not run",
    ),
    Decision("cache hit", "§8.1", "OReq, origin and OResp skipped; `Age` added; VResp runs"),
    Decision(
        "OReq generates a response (UNSURE)",
        "§8.1, §4",
        "cached, OResp skipped, **VResp runs** (the docs exclude VResp only for "
        "VReq-generated responses)",
    ),
    Decision(
        "origin answers >= 400 (UNSURE)",
        "§8.1",
        "OResp runs; VResp is skipped when the status **after OResp** is >= 400: the "
        "check reads the response CloudFront holds and caches, so a hit and a miss "
        "behave alike (OResp turning a 404 into 200 lets VResp run; an OReq-generated "
        "403 skips it)",
    ),
    Decision(
        "origin unreachable / times out",
        "§6",
        "502 / 504 `Error from cloudfront`; OResp does not run (no origin response); not cached",
    ),
    Decision(
        "what is cached",
        "§8.2",
        "OResp's output, else the origin's response; TTL from `s-maxage` > `max-age` > "
        "`Expires` > default, clamped to min/max; `no-store`/`no-cache`/`private` → not "
        "cached (min_ttl when > 0); 4xx/5xx: error caching (see the distribution "
        "decisions)",
    ),
    Decision(
        "query string OReq/OResp see (UNSURE)",
        "§2",
        'all of it when a policy forwards all query strings, else `""`; the origin '
        "still gets the forwarded names unless OReq sets a query string",
    ),
    Decision(
        "headers a VReq function adds",
        "§8.3",
        "reach the origin only if a policy forwards them, like viewer headers",
    ),
    Decision(
        "`CloudFront-*` headers",
        "§7",
        "added after VReq when a policy asks (overwriting a viewer's own); OReq, OResp "
        "and VResp see them",
    ),
    Decision(
        "cookies",
        "§8.3",
        "only forwarded names reach the origin, `name=value` sorted by name; with none "
        "forwarded, `Set-Cookie` is stripped before OResp",
    ),
    Decision(
        "cache key",
        "§8.3",
        "domain + path (+ method for OPTIONS); header names case-insensitive and "
        "order-free, values case-sensitive; query strings ordered and case-sensitive, "
        "signed-URL params stripped; `Accept-Encoding` as `br,gzip` / `gzip` / left out "
        "(origin gets `identity`)",
    ),
    Decision(
        "methods cached",
        "§8.3",
        "`cached_methods` (GET, HEAD); a HEAD miss is not stored; POST is never cached",
    ),
)


#: The distribution's own rules (behaviours, origins by id, the two cache tiers), UNSURE
#: points decided: rendered into the README and by ``edgelab rules --decisions``.
DISTRIBUTION_DECISIONS: tuple[Decision, ...] = (
    Decision(
        "method the behaviour does not allow (UNSURE)",
        "§3.2",
        "403 with CloudFront's error page (`Error from cloudfront`), before viewer request: "
        "no function runs (the status CloudFront is observed to send; 405 is not documented)",
    ),
    Decision(
        "redirect to HTTPS (UNSURE)",
        "§3.3",
        "301 for GET/HEAD, 307 for other methods (403 on HTTP/1.0), `Location: "
        "https://host/path?query`, a small CloudFront HTML body, `X-Cache: Redirect from "
        "cloudfront`; no function runs, CloudFront Functions included; checked before the "
        "allowed methods",
    ),
    Decision(
        "default root object and viewer request (UNSURE)",
        "§7",
        "viewer request sees `/`; when the uri is still `/` after it, the object replaces "
        "it before the cache key, so origin request and the origin see `/index.html`; "
        "viewer response sees `/`; subfolders are never rewritten",
    ),
    Decision(
        "where origin request and origin response run (UNSURE)",
        "§8",
        "on the way to the origin, after a regional edge cache miss: a regional hit skips "
        "them; a request that bypasses the regional cache runs them from the edge location",
    ),
    Decision(
        "dynamic requests bypass the regional edge cache (UNSURE)",
        "§8",
        "a behaviour whose cache TTLs are all 0 (CachingDisabled) is dynamic: its requests "
        "go from the edge location to the origin, as PUT, POST, PATCH, OPTIONS and DELETE do",
    ),
    Decision(
        "S3 origin in the regional edge cache's Region",
        "§8",
        "the Region is read from the bucket's domain name (`b.s3.eu-west-1.amazonaws.com`; "
        "the global `b.s3.amazonaws.com` is us-east-1); such requests bypass the regional "
        "edge cache",
    ),
    Decision(
        "an object fetched through the regional edge cache",
        "§8",
        "stored in both tiers as one object: the edge copy keeps the regional copy's age "
        "and expiry (`Age` counts from when the origin answered)",
    ),
    Decision(
        "edge location edgelab's table does not list",
        "§8",
        "no regional edge cache: its misses go straight to the origin and the trace says "
        "why; `--edge` refuses such a code",
    ),
    Decision(
        "an expired object (RefreshHit)",
        "§4.5, §10",
        "revalidated when it has an `ETag` or `Last-Modified` (`If-None-Match`, "
        "`If-Modified-Since` on the origin request, which origin request sees); a 304 after "
        "origin response refreshes its TTL and the viewer gets it as `RefreshHit from "
        "cloudfront`, counted as a hit in the hit ratio",
    ),
    Decision(
        "Content-Length of a compressed object",
        "§3.4",
        "dropped: it described the uncompressed object, and the viewer gets the compressed "
        "length from the transfer; a strong `ETag` becomes weak, an invalid one is removed",
    ),
    Decision(
        "a function's own timeout",
        "lambda-edge-facts §5.1",
        "a Lambda@Edge function whose definition gives `Timeout` gets that timeout, within "
        "the trigger's quota; otherwise the rule set's",
    ),
    Decision(
        "viewers of `edgelab serve`",
        "§3.3",
        "taken to use HTTPS (a local server speaks plain HTTP), so a redirect-to-https "
        "behaviour serves them; `edgelab serve --scheme http` makes them HTTP viewers",
    ),
    Decision(
        "response headers policy and viewer response (UNSURE)",
        "§5",
        "the policy is applied first, so a viewer-response function sees (and may change) "
        "its headers, as production observations suggest; hits and misses alike",
    ),
    Decision(
        "which responses get the policy's headers (UNSURE)",
        "§5",
        "every response that comes back through the behaviour: hits, misses, origin "
        "errors, origin-request-generated responses, CloudFront's error pages (a failed "
        "function, an unreachable or slow origin); not "
        "the answers given before viewer request ends (redirect to HTTPS, refused protocol "
        "or method, a viewer-request-generated response)",
    ),
    Decision(
        "CORS preflight (UNSURE)",
        "§5.1",
        "CloudFront does not answer it: the OPTIONS request goes through the behaviour "
        "(403 when OPTIONS is not allowed) and the policy adds Allow-Origin, "
        "Allow-Methods (`ALL`: every method), Allow-Headers, Max-Age and "
        "Allow-Credentials to the response",
    ),
    Decision(
        "CORS headers on other requests (UNSURE)",
        "§5.1, §5.5",
        "Allow-Origin, Allow-Credentials and Expose-Headers, as §5.1 says for every "
        "policy (CORS-With-Preflight's page lists Expose-Headers for preflight only)",
    ),
    Decision(
        "CORS origin override off (UNSURE)",
        "§5.1",
        "the current page's reading: when the origin's response has any CORS header, none "
        "of the policy's is added; with override on, the policy's replace the origin's "
        "headers of the same names",
    ),
    Decision(
        "CORS allowed origins (UNSURE)",
        "§5.1",
        "scheme, host and port compared case-insensitively; `https://*.example.org` "
        "matches one or more subdomain labels, not `https://example.org`; `*` in a port "
        "matches digits and needs an explicit port; an entry without a scheme matches "
        "nothing; `*` answers `*`",
    ),
    Decision(
        "removed `Server` or `Date`",
        "§5.3",
        "CloudFront's own come back: `Server: CloudFront`, `Date` of the request time",
    ),
    Decision(
        "Server-Timing values (UNSURE)",
        "§5.4",
        "measured: `cdn-upstream-fbl` is the origin call's time, `cdn-downstream-fbl` the "
        "time from the viewer request to the policy; DNS and connect are 0 (a local origin "
        "over a kept-alive connection); sampling from the request id's hash, so a replay "
        "samples the same requests; `Pragma: server-timing` always; the origin's own "
        "header is kept on a miss and dropped on a hit",
    ),
    Decision(
        "staging weight (UNSURE)",
        "§9",
        "a request goes to staging when a number drawn from the seed and its request id "
        "(replay) or from the distribution's seeded stream (`seed`, default 0) is below "
        "the weight: deterministic, and the share comes out at the weight",
    ),
    Decision(
        "staging header",
        "§9",
        "the header's name in any case, its value exactly; the header stays on the request",
    ),
    Decision(
        "session stickiness cookie (UNSURE)",
        "§9",
        "`aws-cf-cd-session=<deployment>.<start>.<last>` set on every response, primary "
        "or staging (`Max-Age` the idle TTL, capped at the maximum TTL from the start); the "
        "session ends idle TTL after its last request or maximum TTL after it began, on "
        "the injected clock; CloudFront strips the cookie before functions, cache key and "
        "origin",
    ),
    Decision(
        "a request routed to staging",
        "§9",
        "runs the staging distribution's behaviour for the viewer's uri, with its own "
        "functions, origins and caches (staging starts empty); `deployment` says which "
        "served it",
    ),
    Decision(
        "which requests fail over",
        "§2",
        "GET, HEAD and OPTIONS, when the primary answers one of the group's failover "
        "codes, cannot be reached (502) or times out (504); other methods get the "
        "primary's answer, with a note; every request starts at the primary",
    ),
    Decision(
        "failover and origin response (UNSURE)",
        "§2, lambda-edge-facts §8.1",
        "decided on the status the primary itself answered: origin response runs for the "
        "primary's answer too (origin request and origin response run once per origin "
        "tried) and what it made of it is dropped when the secondary is tried",
    ),
    Decision(
        "an origin request function answers or fails in an origin group (UNSURE)",
        "§2",
        "no failover: only an origin's answer fails over; a generated response is "
        "cached as usual, a function's failure goes to the viewer",
    ),
    Decision(
        "the secondary's try (UNSURE)",
        "§1.3, §2",
        "the origin request is built again for the secondary from the request as viewer "
        "request left it (its origin path, custom headers, read timeout and "
        "`request.origin`, the viewer's body); a local origin is tried once, so an "
        "unreachable one fails at once (ConnectionAttempts x ConnectionTimeout are not "
        "waited out); each try's own time is in `trace.attempts`",
    ),
    Decision(
        "what is cached after a failover (UNSURE)",
        "§2, §6.2",
        "the answer of the last try, under the viewer's cache key, as any miss: the "
        "secondary's 2xx with its TTL, a secondary's error with error caching; the "
        "trace's `origin_id` is the origin that answered",
    ),
    Decision(
        "which responses get a custom error page (UNSURE)",
        "§6.1, §6.3",
        "an origin's status (fresh or cached), an unreachable origin's 502 or 504, and a "
        "Lambda@Edge function's failure (500/502/503; a production setup relies on it for "
        "timeouts); not a response a function generated, nor CloudFront's answers at the "
        "edge (a redirect to HTTPS, the 403 for a protocol or method)",
    ),
    Decision(
        "fetching the custom error page (UNSURE)",
        "§6.1, §6.3",
        "a GET of the page path through the first behaviour it matches: that behaviour's "
        "cache (the page is cached under its own path with its TTLs), its origin or group, "
        "its origin request and origin response (production reports them running for "
        "error pages) and its response headers policy; viewer request and viewer response "
        "do not run; the response code replaces the status (none given: the original "
        "status)",
    ),
    Decision(
        "the custom error page cannot be fetched",
        "§6.1",
        "the viewer gets what the page's origin answered (a status of 400 or more, or "
        "CloudFront's 502/504), not the page; the trace's `error_page.served` is false",
    ),
    Decision(
        "error caching (UNSURE for unlisted codes)",
        "§6.2",
        "404, 414, 500-504 cached without headers for the error caching TTL; 400, 403, "
        "405, 412, 415 only with `max-age`/`s-maxage`/`Expires`; 416 never; the TTL is "
        "max(ErrorCachingMinTTL, the header's value capped by MaxTTL); a custom error "
        "response's ErrorCachingMinTTL replaces the 10 s default for its code only; other "
        "codes are cached as any response",
    ),
)
