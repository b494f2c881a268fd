"""Traffic sets: seeded synthetic traffic, and saving/loading it as Parquet or CSV.

A traffic set is a DataFrame with one row per viewer request, in the columns of
:data:`TRAFFIC_COLUMNS` (``time`` UTC, ``method``, ``host``, ``uri``, ``querystring``,
``user_agent``, ``accept_language``, ``cookie``, ``referer``, ``device``, ``country``,
``city``, ``latitude``, ``longitude``, ``client_ip``, ``body``, ``edge_location``).
Headers are separate columns (not a JSON blob) so the chain builds each request
quickly; repeated strings are categoricals. CloudFront access logs
(:mod:`edgelab.frames.logs`) load into the same shape.

:func:`generate` draws a set from a :class:`TrafficProfile` with numpy's seeded Generator,
vectorised: a population of viewers (device, user agent, country, city, IP, cookies)
is drawn first, then each request picks a viewer (returning viewers make most of the
requests), a path by a Zipf law over the profile's catalogue and a time following a
diurnal curve. Client IPs come from the benchmarking range 198.18.0.0/15 (RFC 2544)
and the IPv6 documentation prefix 2001:db8::/32 (RFC 3849): plausible, never real.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, EventError, InputError
from ..event.build import (
    _BAD_VALUE_CHAR,
    _short,
    check_client_ip,
    check_country,
    check_method,
    check_querystring,
    check_uri,
)
from ..event.jsoncheck import json_problem
from ..limits import MAX_TRAFFIC_ROWS
from .columns import CATEGORICAL, TRAFFIC_COLUMNS, categorical, normalize_traffic
from .latency import nearest_edge
from .logs import is_parquet_log, read_access_logs

# Real User-Agent strings, several per device class (bots: the crawlers seen most).
USER_AGENTS: dict[str, tuple[str, ...]] = {
    "desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.4.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.0.0 Safari/537.36",
    ),
    "mobile": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.6367.82 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.6312.118 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
    ),
    "tablet": (
        "Mozilla/5.0 (iPad; CPU OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.6367.82 Safari/537.36",
    ),
    "smarttv": (
        "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36",
        "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/79.0.3945.79 Safari/537.36 WebAppManager",
        "Roku/DVP-9.10 (519.10E04111A)",
    ),
    "bot": (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    ),
}
DEVICE_CLASSES = tuple(USER_AGENTS)

# country: (accept-language, ((city, lat, lon, weight), ...))
COUNTRIES: dict[str, tuple[str, tuple[tuple[str, float, float, float], ...]]] = {
    "US": (
        "en-US,en;q=0.9",
        (
            ("New York", 40.71, -74.01, 3),
            ("Los Angeles", 34.05, -118.24, 2),
            ("Chicago", 41.88, -87.63, 1.5),
            ("Dallas", 32.78, -96.80, 1),
            ("Seattle", 47.61, -122.33, 1),
            ("Atlanta", 33.75, -84.39, 1),
        ),
    ),
    "CA": (
        "en-CA,en;q=0.9,fr-CA;q=0.8",
        (
            ("Toronto", 43.65, -79.38, 2),
            ("Montreal", 45.50, -73.57, 1),
            ("Vancouver", 49.28, -123.12, 1),
        ),
    ),
    "MX": ("es-MX,es;q=0.9", (("Mexico City", 19.43, -99.13, 1),)),
    "BR": (
        "pt-BR,pt;q=0.9",
        (("São Paulo", -23.55, -46.63, 2), ("Rio de Janeiro", -22.91, -43.17, 1)),
    ),
    "AR": ("es-AR,es;q=0.9", (("Buenos Aires", -34.60, -58.38, 1),)),
    "GB": ("en-GB,en;q=0.9", (("London", 51.51, -0.13, 3), ("Manchester", 53.48, -2.24, 1))),
    "IE": ("en-IE,en;q=0.9", (("Dublin", 53.35, -6.26, 1),)),
    "FR": (
        "fr-FR,fr;q=0.9,en;q=0.8",
        (("Paris", 48.86, 2.35, 3), ("Lyon", 45.76, 4.84, 1), ("Marseille", 43.30, 5.37, 1)),
    ),
    "DE": (
        "de-DE,de;q=0.9,en;q=0.8",
        (
            ("Berlin", 52.52, 13.40, 2),
            ("Munich", 48.14, 11.58, 1.5),
            ("Hamburg", 53.55, 9.99, 1),
            ("Frankfurt", 50.11, 8.68, 1),
        ),
    ),
    "NL": ("nl-NL,nl;q=0.9,en;q=0.8", (("Amsterdam", 52.37, 4.90, 1),)),
    "ES": ("es-ES,es;q=0.9", (("Madrid", 40.42, -3.70, 1.5), ("Barcelona", 41.39, 2.17, 1))),
    "IT": ("it-IT,it;q=0.9", (("Milan", 45.46, 9.19, 1), ("Rome", 41.90, 12.50, 1))),
    "SE": ("sv-SE,sv;q=0.9,en;q=0.8", (("Stockholm", 59.33, 18.07, 1),)),
    "PL": ("pl-PL,pl;q=0.9", (("Warsaw", 52.23, 21.01, 1),)),
    "IN": (
        "en-IN,hi;q=0.9,en;q=0.8",
        (
            ("Mumbai", 19.08, 72.88, 2),
            ("Delhi", 28.70, 77.10, 2),
            ("Bangalore", 12.97, 77.59, 1.5),
            ("Chennai", 13.08, 80.27, 1),
        ),
    ),
    "SG": ("en-SG,en;q=0.9,zh;q=0.8", (("Singapore", 1.35, 103.82, 1),)),
    "JP": ("ja-JP,ja;q=0.9", (("Tokyo", 35.68, 139.69, 3), ("Osaka", 34.69, 135.50, 1))),
    "KR": ("ko-KR,ko;q=0.9", (("Seoul", 37.57, 126.98, 1),)),
    "AU": (
        "en-AU,en;q=0.9",
        (
            ("Sydney", -33.87, 151.21, 2),
            ("Melbourne", -37.81, 144.96, 2),
            ("Perth", -31.95, 115.86, 0.5),
        ),
    ),
    "ZA": (
        "en-ZA,en;q=0.9,af;q=0.8",
        (("Johannesburg", -26.20, 28.05, 1), ("Cape Town", -33.92, 18.42, 1)),
    ),
    "AE": ("ar-AE,ar;q=0.9,en;q=0.8", (("Dubai", 25.20, 55.27, 1),)),
}


@dataclass(frozen=True)
class TrafficProfile:
    """What a traffic set looks like; every share is normalised, so weights are fine.

    ``paths`` are ``(template, weight)``: the catalogue is ``n_paths`` paths cycling
    through templates (``{i}`` is the item number) whose popularity follows a Zipf
    law with exponent ``zipf_s``; ``catalogue``, when given, is the list of paths
    itself, most popular first (your site's: :func:`site_paths`, :func:`read_paths`).
    ``writes`` is the share of POST requests, sent to ``write_paths`` with a small JSON
    body. ``rate_per_s`` is the mean request rate;
    the diurnal curve peaks at ``peak_hour`` UTC with ``diurnal_amplitude`` (0: flat).
    """

    name: str
    host: str = "www.example.com"
    devices: Mapping[str, float] = field(
        default_factory=lambda: {
            "desktop": 0.45,
            "mobile": 0.42,
            "tablet": 0.06,
            "smarttv": 0.02,
            "bot": 0.05,
        }
    )
    countries: Mapping[str, float] = field(
        default_factory=lambda: {
            "US": 0.35,
            "GB": 0.08,
            "DE": 0.08,
            "FR": 0.06,
            "IN": 0.08,
            "BR": 0.05,
            "JP": 0.05,
            "CA": 0.04,
            "AU": 0.04,
            "NL": 0.02,
            "ES": 0.03,
            "IT": 0.03,
            "SG": 0.02,
            "KR": 0.02,
            "MX": 0.02,
            "ZA": 0.01,
            "SE": 0.01,
            "PL": 0.01,
        }
    )
    paths: tuple[tuple[str, float], ...] = (("/index.html", 1.0),)
    n_paths: int = 500
    catalogue: tuple[str, ...] = ()
    zipf_s: float = 1.1
    querystrings: Mapping[str, float] = field(default_factory=lambda: {"": 1.0})
    writes: float = 0.0
    write_paths: tuple[str, ...] = ("/api/orders",)
    returning: float = 0.6
    ab_share: float = 0.5
    ab_cookie: str = "ab"
    ab_weights: Mapping[str, float] = field(default_factory=lambda: {"A": 0.5, "B": 0.5})
    requests_per_viewer: float = 5.0
    rate_per_s: float = 50.0
    peak_hour: float = 19.0
    diurnal_amplitude: float = 0.6
    start: str = "2025-03-01T00:00:00Z"
    ipv6: float = 0.25


TRAFFIC_PROFILES: dict[str, TrafficProfile] = {
    "shop": TrafficProfile(
        name="shop",
        host="shop.example.com",
        paths=(
            ("/", 4),
            ("/products/item-{i}.html", 6),
            ("/images/item-{i}.jpg", 8),
            ("/category/c{i}", 2),
            ("/cart", 1),
            ("/static/app.{i}.js", 2),
            ("/static/style.css", 2),
        ),
        n_paths=2000,
        querystrings={
            "": 0.8,
            "utm_source=newsletter": 0.06,
            "utm_source=ads&utm_medium=cpc": 0.05,
            "page=2": 0.05,
            "sort=price&page=1": 0.04,
        },
        writes=0.02,
        write_paths=("/cart", "/api/checkout"),
        rate_per_s=120.0,
    ),
    "news": TrafficProfile(
        name="news",
        host="news.example.com",
        devices={"desktop": 0.35, "mobile": 0.55, "tablet": 0.05, "smarttv": 0.01, "bot": 0.04},
        paths=(
            ("/", 5),
            ("/article/story-{i}", 10),
            ("/images/photo-{i}.jpg", 6),
            ("/section/s{i}", 1),
            ("/live", 1),
        ),
        n_paths=5000,
        zipf_s=1.25,
        querystrings={"": 0.85, "ref=home": 0.1, "amp=1": 0.05},
        returning=0.7,
        rate_per_s=400.0,
        peak_hour=7.0,
    ),
    "api": TrafficProfile(
        name="api",
        host="api.example.com",
        devices={"desktop": 0.2, "mobile": 0.7, "tablet": 0.05, "smarttv": 0.0, "bot": 0.05},
        paths=(("/v1/products/{i}", 6), ("/v1/users/{i}", 3), ("/v1/search", 2), ("/v1/health", 1)),
        n_paths=1000,
        zipf_s=0.9,
        querystrings={"": 0.6, "limit=20": 0.25, "q=shoes": 0.15},
        writes=0.15,
        write_paths=("/v1/orders", "/v1/events"),
        returning=0.85,
        ab_share=0.0,
        rate_per_s=800.0,
        diurnal_amplitude=0.3,
    ),
    "workshop-small": TrafficProfile(
        name="workshop-small",
        host="www.example.com",
        countries={"US": 0.4, "GB": 0.15, "DE": 0.15, "FR": 0.1, "JP": 0.1, "BR": 0.05, "AU": 0.05},
        paths=(
            ("/", 4),
            ("/index.html", 3),
            ("/about.html", 1),
            ("/images/photo-{i}.jpg", 4),
            ("/old/page-{i}.html", 1),
            ("/products/item-{i}.html", 2),
        ),
        n_paths=40,
        querystrings={"": 0.85, "utm_source=talk": 0.15},
        writes=0.02,
        write_paths=("/api/feedback",),
        rate_per_s=5.0,
    ),
}


def get_profile(profile: str | TrafficProfile) -> TrafficProfile:
    if isinstance(profile, TrafficProfile):
        return profile
    try:
        return TRAFFIC_PROFILES[profile]
    except KeyError:
        raise ConfigError(
            f"unknown traffic profile {profile!r}; the profiles are "
            f"{', '.join(TRAFFIC_PROFILES)} (or pass an el.TrafficProfile)",
            key="profile",
        ) from None


def _shares(
    mapping: Mapping[str, float], what: str, allowed: Any = None
) -> tuple[list[str], np.ndarray]:
    keys = [k for k, v in mapping.items() if v > 0]
    if allowed is not None:
        bad = [k for k in keys if k not in allowed]
        if bad:
            raise ConfigError(f"profile {what} {bad} unknown; allowed: {', '.join(allowed)}")
    w = np.array([mapping[k] for k in keys], dtype=float)
    if not keys or not np.isfinite(w).all() or w.sum() <= 0:
        raise ConfigError(f"profile {what} need at least one positive share; got {mapping!r}")
    return keys, w / w.sum()


def _catalogue(p: TrafficProfile) -> np.ndarray:
    if p.catalogue:
        return np.array(list(dict.fromkeys(p.catalogue)), dtype=object)
    templates = [t for t, _ in p.paths]
    w = np.array([w for _, w in p.paths], dtype=float)
    rng = np.random.default_rng(0)  # the catalogue is part of the profile, not the seed
    picks = rng.choice(len(templates), size=p.n_paths, p=w / w.sum())
    out: list[str] = []
    seen: set[str] = set()
    counters = [0] * len(templates)
    for k in picks:
        counters[k] += 1
        path = templates[k].format(i=counters[k])
        if path not in seen:
            seen.add(path)
            out.append(path)
    return np.array(out, dtype=object)


_PAGE_SUFFIXES = (".html", ".htm", "")


def read_paths(path: str | Path) -> tuple[str, ...]:
    """The paths listed in a text file, one per line, most popular first (blank lines
    and lines starting with ``#`` are skipped); each must start with ``/``."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"paths file {str(path)!r} does not exist; give a text file with one path "
            "(starting with /) per line, most requested first",
            source=str(path),
            key="paths",
        )
    out: list[str] = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not text.startswith("/") or any(c.isspace() for c in text):
            raise InputError(
                f"{path}:{n}: a path must start with / and hold no spaces; got {text!r}",
                source=str(path),
                key="paths",
            )
        out.append(text)
    if not out:
        raise InputError(f"paths file {str(path)!r} lists no path", source=str(path), key="paths")
    return tuple(dict.fromkeys(out))


def site_paths(folder: str | Path) -> tuple[str, ...]:
    """The paths of every file in a site folder (as a folder origin serves them), pages
    first (``/index.html``, then other ``.html`` files), then the other files, each
    group in name order: the order popularity follows. Hidden files are left out."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(
            f"site folder {str(folder)!r} does not exist or is not a folder",
            source=str(folder),
            key="site",
        )
    files = [
        f
        for f in root.rglob("*")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(root).parts)
    ]
    if not files:
        raise InputError(
            f"site folder {str(folder)!r} has no files", source=str(folder), key="site"
        )

    def rank(f: Path) -> tuple[int, int, str]:
        rel = f.relative_to(root).as_posix()
        return (
            0 if f.name == "index.html" else 1 if f.suffix in _PAGE_SUFFIXES else 2,
            rel.count("/"),
            rel,
        )

    return tuple("/" + f.relative_to(root).as_posix() for f in sorted(files, key=rank))


def _times(p: TrafficProfile, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sorted request times (ms since the epoch) following the diurnal curve."""
    start = pd.Timestamp(p.start)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    span_s = max(n / max(p.rate_per_s, 1e-9), 1.0)
    grid = np.linspace(0.0, span_s, 2049)
    hours = (start.hour + start.minute / 60 + grid / 3600) % 24
    rate = 1 + p.diurnal_amplitude * np.cos((hours - p.peak_hour) / 24 * 2 * np.pi)
    cdf = np.concatenate([[0.0], np.cumsum((rate[1:] + rate[:-1]) / 2 * np.diff(grid))])
    offsets = np.interp(rng.random(n) * cdf[-1], cdf, grid)
    offsets.sort()
    return start.value // 1_000_000 + (offsets * 1e3).astype(np.int64)


def _check_size(n: Any, seed: Any) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 0 <= n <= MAX_TRAFFIC_ROWS:
        raise ConfigError(
            f"n must be a whole number of requests from 0 to {MAX_TRAFFIC_ROWS:,} "
            f"(about 450 MB of memory per million); got {n!r}",
            key="n",
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a whole number, 0 or more; got {seed!r}", key="seed")


def generate_traffic(
    profile: str | TrafficProfile = "shop", n: int = 10_000, *, seed: int = 0, **overrides: Any
) -> pd.DataFrame:
    """A synthetic traffic set of ``n`` requests from ``profile`` (a name or a TrafficProfile).

    Same profile, ``n`` and ``seed`` -> the same frame. Keyword overrides replace
    profile fields: ``generate("shop", 1000, seed=1, returning=0.9)``.
    """
    p = _with_overrides(get_profile(profile), overrides)
    _check_size(n, seed)
    rng = np.random.default_rng(seed)
    # The draws happen in this order (each step draws from ``rng`` in turn): the same
    # seed gives the same frame only as long as the order stays.
    viewers = _Viewers.draw(p, n, rng)
    viewer = _pick_viewers(p, n, viewers, rng)
    requests = _draw_requests(p, n, rng)
    time = pd.DatetimeIndex(_times(p, n, rng).astype("datetime64[ms]")).tz_localize("UTC")
    columns = {"time": time, **requests, **viewers.columns(viewer)}
    frame = pd.DataFrame({name: columns[name] for name in TRAFFIC_COLUMNS})
    frame.attrs["profile"] = p.name
    frame.attrs["seed"] = int(seed)
    return frame


def _with_overrides(p: TrafficProfile, overrides: dict[str, Any]) -> TrafficProfile:
    if not overrides:
        return p
    try:
        return replace(p, **overrides)
    except TypeError as exc:
        raise ConfigError(
            f"{exc}; profile fields are: {', '.join(TrafficProfile.__dataclass_fields__)}"
        ) from None


@dataclass(frozen=True)
class _Viewers:
    """The population the requests come from: per viewer, codes into tables of values
    (so each column of the frame is one categorical), and where they are. Viewers
    ``0 .. returning - 1`` come back (and carry session cookies); the ``new`` others
    come once."""

    returning: int
    new: int
    devices: list[str]
    device: np.ndarray
    user_agents: np.ndarray
    user_agent: np.ndarray
    countries: list[str]
    country: np.ndarray
    languages: np.ndarray
    cities: np.ndarray
    city: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    edge_location: np.ndarray
    client_ip: np.ndarray
    cookie: np.ndarray

    @classmethod
    def draw(cls, p: TrafficProfile, n: int, rng: np.random.Generator) -> _Viewers:
        """Enough viewers for ``n`` requests: device and user agent, country and city,
        address, cookies (in that order of draws)."""
        devices, dev_w = _shares(p.devices, "devices", DEVICE_CLASSES)
        countries, cty_w = _shares(p.countries, "countries", COUNTRIES)
        n_ret = max(1, int(n * p.returning / max(p.requests_per_viewer, 1)))
        n_new = max(1, int(n * (1 - p.returning)))
        nv = n_ret + n_new
        device, user_agents, user_agent = _draw_devices(devices, dev_w, nv, rng)
        country = rng.choice(len(countries), size=nv, p=cty_w)
        places = _draw_places(countries, country, rng)
        return cls(
            returning=n_ret,
            new=n_new,
            devices=devices,
            device=device,
            user_agents=user_agents,
            user_agent=user_agent,
            countries=countries,
            country=country,
            languages=np.array([COUNTRIES[c][0] for c in countries], dtype=object),
            **places,
            client_ip=_draw_addresses(p, country, rng),
            cookie=_draw_cookies(p, n_ret, nv, rng),
        )

    def columns(self, viewer: np.ndarray) -> dict[str, Any]:
        """The frame's columns about the viewer of each request (``viewer``: indices)."""
        return {
            "user_agent": categorical(self.user_agents, self.user_agent[viewer]),
            "accept_language": categorical(self.languages, self.country[viewer]),
            "cookie": categorical(self.cookie, viewer),
            "device": categorical(np.asarray(self.devices, dtype=object), self.device[viewer]),
            "country": categorical(np.asarray(self.countries, dtype=object), self.country[viewer]),
            "city": categorical(self.cities, self.city[viewer]),
            "latitude": self.latitude[viewer].astype(np.float32),
            "longitude": self.longitude[viewer].astype(np.float32),
            "client_ip": categorical(self.client_ip, viewer),
            "edge_location": categorical(self.edge_location, viewer),
        }


def _draw_devices(
    devices: list[str], weights: np.ndarray, nv: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each viewer's device class, and a user agent of that class: (device codes, the
    table of user agents, user-agent codes)."""
    device = rng.choice(len(devices), size=nv, p=weights)
    table = [USER_AGENTS[d] for d in devices]
    pick = rng.integers(0, 1 << 30, size=nv)
    flat = np.array([ua for uas in table for ua in uas], dtype=object)
    offset = np.cumsum([0] + [len(u) for u in table])[:-1]
    length = np.array([len(u) for u in table])
    return device, flat, offset[device] + pick % length[device]


def _draw_places(
    countries: list[str], country: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Each viewer's city in its country (by the cities' weights), coordinates near it,
    and the edge location nearest the city (latency-based DNS)."""
    nv = len(country)
    city_rows = [
        (ci, c, name, la, lo, w)
        for ci, c in enumerate(countries)
        for name, la, lo, w in COUNTRIES[c][1]
    ]
    city_cty = np.array([r[0] for r in city_rows])
    city_w = np.array([r[5] for r in city_rows], dtype=float)
    # pick a city within the viewer's country: weighted by a per-country cumulative draw
    city = np.empty(nv, dtype=np.int64)
    u = rng.random(nv)
    for ci in range(len(countries)):
        idx = np.flatnonzero(city_cty == ci)
        cw = np.cumsum(city_w[idx]) / city_w[idx].sum()
        mask = country == ci
        city[mask] = idx[np.minimum(np.searchsorted(cw, u[mask]), len(idx) - 1)]
    latitude = np.array([r[3] for r in city_rows])[city] + rng.normal(0, 0.08, nv)
    longitude = np.array([r[4] for r in city_rows])[city] + rng.normal(0, 0.08, nv)
    city_edge = nearest_edge([r[3] for r in city_rows], [r[4] for r in city_rows])
    return {
        "cities": np.array([r[2] for r in city_rows], dtype=object),
        "city": city,
        "latitude": latitude,
        "longitude": longitude,
        "edge_location": np.array([f"{c}50-C1" for c in city_edge], dtype=object)[city],
    }


def _draw_addresses(p: TrafficProfile, country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each viewer's client IP: IPv6 (2001:db8::/32) for a ``p.ipv6`` share, else IPv4
    (198.18.0.0/15), the high bits following the country."""
    nv = len(country)
    v6 = rng.random(nv) < p.ipv6
    host_part = rng.integers(1, 1 << 16, size=nv)
    k = (country.astype(np.int64) * 4099 + host_part * 7) % 131072
    v4 = [f"198.{18 + (x >> 16)}.{(x >> 8) & 255}.{x & 255 or 1}" for x in k.tolist()]
    v6s = [
        f"2001:db8:{c:x}::{h:x}" for c, h in zip(country.tolist(), host_part.tolist(), strict=True)
    ]
    return np.where(v6, np.array(v6s, dtype=object), np.array(v4, dtype=object))


def _draw_cookies(p: TrafficProfile, n_ret: int, nv: int, rng: np.random.Generator) -> np.ndarray:
    """Each viewer's Cookie header: a session id for returning viewers, with an A/B
    variant for the ``p.ab_share`` of them in the test; new viewers have none."""
    session = rng.integers(0, 1 << 62, size=n_ret)
    variants, var_w = _shares(p.ab_weights, "ab_weights") if p.ab_share > 0 else ([], np.array([]))
    in_ab = rng.random(n_ret) < p.ab_share
    cookie = np.full(nv, "", dtype=object)
    base = [f"session-id={s:016x}" for s in session.tolist()]
    if variants:
        var = rng.choice(len(variants), size=n_ret, p=var_w)
        cookie[:n_ret] = [
            f"{b}; {p.ab_cookie}={variants[v]}" if ab else b
            for b, v, ab in zip(base, var.tolist(), in_ab.tolist(), strict=True)
        ]
    else:
        cookie[:n_ret] = base
    return cookie


def _pick_viewers(
    p: TrafficProfile, n: int, viewers: _Viewers, rng: np.random.Generator
) -> np.ndarray:
    """The viewer of each request: returning viewers (a ``p.returning`` share) by a
    heavy-tailed law, a few very active and most back a few times; else a new one."""
    n_ret = viewers.returning
    is_ret = rng.random(n) < p.returning
    ret_pick = np.minimum((rng.pareto(1.5, n) * n_ret / 8).astype(np.int64), n_ret - 1)
    return np.where(is_ret, ret_pick, n_ret + rng.integers(0, viewers.new, size=n))


#: the bodies of write requests (the first, empty, is every read's)
_BODIES = np.array(
    [
        "",
        '{"item":"item-1","qty":1}',
        '{"item":"item-7","qty":2}',
        '{"event":"click","target":"buy"}',
    ],
    dtype=object,
)


def _draw_requests(p: TrafficProfile, n: int, rng: np.random.Generator) -> dict[str, Any]:
    """The frame's columns about each request itself: method, host, path (a read by
    Zipf's law over the catalogue, or a write), query string, referer, body."""
    catalogue = _catalogue(p)
    ranks = np.arange(1, len(catalogue) + 1, dtype=float)
    pz = ranks**-p.zipf_s
    path = rng.choice(len(catalogue), size=n, p=pz / pz.sum())
    writes = rng.random(n) < p.writes
    write_paths = np.asarray(p.write_paths, dtype=object)
    uris = np.concatenate([catalogue, write_paths])
    path = np.where(writes, len(catalogue) + rng.integers(0, len(write_paths), size=n), path)
    qs_keys, qs_w = _shares(p.querystrings, "querystrings")
    qs = rng.choice(len(qs_keys), size=n, p=qs_w)
    body = np.where(writes, 1 + rng.integers(0, 3, size=n), 0)
    referers = np.array(
        ["", f"https://{p.host}/", "https://www.google.com/", "https://t.co/"], dtype=object
    )
    ref = np.where(rng.random(n) < 0.35, rng.integers(1, 4, size=n), 0)
    return {
        "method": pd.Categorical.from_codes(
            writes.astype(np.int8), categories=pd.Index(["GET", "POST"], dtype=str)
        ),
        "host": pd.Categorical.from_codes(
            np.zeros(n, np.int8), categories=pd.Index([p.host], dtype=str)
        ),
        "uri": categorical(uris, path),
        "querystring": categorical(np.asarray(qs_keys, dtype=object), qs),
        "referer": categorical(referers, ref),
        "body": categorical(_BODIES, body),
    }


# -- saving and loading ------------------------------------------------------------------


def save_traffic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a traffic set (or a results frame) as Parquet or CSV, chosen by suffix."""
    p = Path(path)
    kind = _kind(p)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        frame.to_parquet(p, index=False)
    else:
        frame.to_csv(p, index=False)
    return p


def load_traffic(path: str | Path) -> pd.DataFrame:
    """Read a traffic set saved as Parquet or CSV, check its columns, fill optional ones.

    Only ``time``, ``method`` and ``uri`` are required; other columns of
    :data:`TRAFFIC_COLUMNS` are filled with empty values, extra columns are kept.
    """
    p = Path(path)
    kind = _kind(p)
    if not p.is_file():
        raise InputError(
            f"traffic file {str(p)!r} does not exist; give a .parquet or .csv "
            "traffic set (edgelab traffic --out FILE makes one) or CloudFront "
            "access logs"
        )
    try:
        if kind == "parquet":
            frame = pd.read_parquet(p)
        else:
            frame = pd.read_csv(
                p, keep_default_na=False, na_values=[""], dtype={c: str for c in CATEGORICAL}
            )
    except Exception as exc:  # pyarrow / parser errors carry their own types
        raise InputError(f"traffic file {str(p)!r} cannot be read as {kind}: {exc}") from None
    return normalize_traffic(frame, source=str(p))


def read_traffic(source: str | Path, **log_options: Any) -> pd.DataFrame:
    """A saved traffic set (``.parquet`` / ``.csv``) or CloudFront logs of any format (a
    file, ``.gz`` or not, a v2 Parquet log, a folder of them, or a glob; ``log_options``
    as for :func:`edgelab.frames.logs.read_access_logs`)."""
    p = Path(source)
    if (
        p.suffix.lower() in (".parquet", ".pq", ".csv") or p.name.lower().endswith(".csv.gz")
    ) and not is_parquet_log(p):
        return load_traffic(p)
    return read_access_logs(source, **log_options)


# -- rows a viewer could not have sent --------------------------------------------------


def _text_problem(value: str) -> str | None:
    if _BAD_VALUE_CHAR.search(value) or json_problem(value):
        return f"must be text without line breaks, NUL or lone surrogates; got {_short(value)}"
    return None


def _checked(check: Any, *, empty_ok: bool) -> Any:
    def problem(value: str) -> str | None:
        if empty_ok and value == "":
            return None
        try:
            check(value, "value")
        except EventError as exc:
            return str(exc).removesuffix(f" (at {exc.path})").removeprefix("value ")
        return None

    return problem


#: column -> a function of one value: None, or why no viewer could send it.
ROW_CHECKS: dict[str, Any] = {
    "uri": _checked(check_uri, empty_ok=False),
    "method": _checked(check_method, empty_ok=True),
    "querystring": _checked(check_querystring, empty_ok=True),
    "client_ip": _checked(check_client_ip, empty_ok=True),
    "country": _checked(check_country, empty_ok=True),
    **{
        col: _text_problem
        for col in (
            "host",
            "user_agent",
            "accept_language",
            "cookie",
            "referer",
            "city",
            "edge_location",
        )
    },
}


def row_problems(frame: pd.DataFrame) -> list[str | None]:
    """For each row of a traffic frame (see :func:`normalize_traffic`): ``None``, or why it
    is not a request a viewer could send, naming the column (``"uri must start with
    '/'; got 'index.html'"``). Checked once per distinct value, so it is quick."""
    n = len(frame)
    out: list[str | None] = [None] * n
    if not n:
        return out
    for col, check in ROW_CHECKS.items():
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            cats, codes = values.cat.categories, values.cat.codes.to_numpy()
        else:
            codes, cats = pd.factorize(values.astype(str))
        reasons = [check(str(c)) for c in cats]
        if not any(reasons):
            continue
        for i in np.flatnonzero(np.isin(codes, [k for k, r in enumerate(reasons) if r])):
            if out[i] is None:
                out[i] = f"{col} {reasons[codes[i]]}"
    for col, bound in (("latitude", 90), ("longitude", 180)):
        v = frame[col].to_numpy(dtype=float)
        bad = ~np.isnan(v) & ((v < -bound) | (v > bound))
        for i in np.flatnonzero(bad):
            if out[i] is None:
                out[i] = f"{col} must be a number of degrees from -{bound} to {bound}; got {v[i]:g}"
    for i in np.flatnonzero(frame["time"].isna().to_numpy()):
        if out[i] is None:
            out[i] = "time is missing (every request needs a date and time)"
    return out


def _kind(p: Path) -> str:
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes[-1:] == [".parquet"] or suffixes[-1:] == [".pq"]:
        return "parquet"
    if suffixes[-1:] == [".csv"] or suffixes[-2:] == [".csv", ".gz"]:
        return "csv"
    raise InputError(
        f"traffic file {str(p)!r} must end in .parquet or .csv (or .csv.gz); "
        f"got suffix {''.join(p.suffixes) or 'none'!r}"
    )
