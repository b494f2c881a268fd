"""The workshop track (``notebooks/workshop/``): the classic Lambda@Edge workshop's labs,
offline. Each lab runs top to bottom twice, in a copy of the track: as handed out (the
handler files are the starting points, each with a ``...`` to replace, so every check
says "not yet") and with the teacher's solutions (``notebooks/solutions/workshop/``:
the completed handler files, copied over the starting points, and the answers of the
value tasks pasted over their cells), when every check says "right". Each check is also
tested here with a right and a wrong answer, and the starting point.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import edgelab as el
from edgelab.commands.lab import install_kit, kit_files
from edgelab.exercises import TASKS, lab1, lab2, lab3, lab4, lab5, lab6, lab7
from edgelab.exercises._labs import unfinished

from .test_notebooks import answer_cells, execute, notebook_run

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WORKSHOP = NOTEBOOKS / "workshop"
SOLVED = NOTEBOOKS / "solutions" / "workshop"
LABS = sorted(WORKSHOP.glob("lab*.ipynb"))
CHECK_CALL = re.compile(r"^lab(\d)\.task(\d)\((.*)\)\s*$", re.M)


def lab_number(path: Path) -> str:
    return path.name[3]


def check_cells(nb: Any) -> dict[str, Any]:
    """``{"lab1.1": cell}`` for the cells that call a check."""
    out = {}
    for cell in nb.cells:
        m = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if m:
            out[f"lab{m.group(1)}.{m.group(2)}"] = cell
    return out


def results(nb: Any) -> dict[str, str]:
    out = {}
    for number, cell in check_cells(nb).items():
        texts = [
            o.get("data", {}).get("text/plain", "")
            for o in cell.outputs
            if o.output_type == "execute_result"
        ]
        assert texts, f"check cell {cell.source!r} showed nothing"
        out[number] = texts[0].split(", ", 1)[1]
    return out


def value_solutions(path: Path) -> dict[str, str]:
    file = SOLVED / f"{path.stem}.py"
    if not file.is_file():
        return {}
    parts = re.split(r"^# %% task (lab\d\.\d)\s*$", file.read_text(encoding="utf-8"), flags=re.M)
    return {n: body.strip() + "\n" for n, body in zip(parts[1::2], parts[2::2], strict=True)}


def copy_track(dest: Path, *, solved: bool) -> Path:
    shutil.copytree(WORKSHOP, dest, ignore=shutil.ignore_patterns("__pycache__"))
    if solved:
        for handler in (SOLVED / "handlers").glob("*.py"):
            shutil.copy2(handler, dest / "handlers" / handler.name)
    return dest


# -- the labs, run top to bottom ----------------------------------------------------------


@notebook_run
@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_lab_runs_as_handed_out_and_every_check_says_not_yet(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat

    track = copy_track(tmp_path / "workshop", solved=False)
    nb = nbformat.read(track / path.name, as_version=4)
    took = execute(nb, monkeypatch, cwd=track)
    print(f"{path.name}: {took:.1f} s")
    found = results(nb)
    assert found and set(found) == set(check_cells(nb))
    for number, text in found.items():
        assert text.startswith("not yet: "), (number, text)


@notebook_run
@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_lab_with_the_solutions_says_right(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat

    track = copy_track(tmp_path / "workshop", solved=True)
    nb = nbformat.read(track / path.name, as_version=4)
    cells, given = answer_cells(nb), value_solutions(path)
    assert set(given) == set(cells), "every value task needs a solution, and only those"
    for number, cell in cells.items():
        cell.source = given[number]
    execute(nb, monkeypatch, cwd=track)
    found = results(nb)
    assert found
    for number, text in found.items():
        assert text.startswith("right: "), (number, text)


# -- their shape --------------------------------------------------------------------------


def test_the_track_has_the_labs_in_order() -> None:
    assert [lab_number(p) for p in LABS] == [str(i) for i in range(1, len(LABS) + 1)]
    assert len(LABS) >= 6


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_labs_are_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: strip the outputs before committing"
            assert cell["execution_count"] is None, f"{path.name}: clear execution counts"


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_each_lab_has_a_goal_steps_and_two_to_four_checks(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "**Goal.**" in text and "## Step 1" in text and "## Check your work" in text
    checks = check_cells(nb)
    number = lab_number(path)
    assert 2 <= len(checks) <= 4
    shipped = sorted(k for k in TASKS if k.startswith(f"lab{number}."))
    assert sorted(checks) == shipped, "every shipped check is used in its lab"
    for k, cell in answer_cells(nb).items():
        assert k in checks and "..." in cell.source, f"task {k}: a value cell needs a ..."


def _handler_files(path: Path) -> set[str]:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return {
        m.group(1)
        for cell in check_cells(nb).values()
        for m in [re.search(r'"handlers/([\w.]+)"', cell.source)]
        if m
    }


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_each_handler_a_lab_checks_has_a_starting_point_and_a_solution(path: Path) -> None:
    names = _handler_files(path)
    assert names, f"{path.name} checks no handler file"
    for name in names:
        assert unfinished(WORKSHOP / "handlers" / name) is not None, f"{name} has no ..."
        assert (SOLVED / "handlers" / name).is_file(), f"{name} has no solution"
        assert unfinished(SOLVED / "handlers" / name) is None, f"the solution {name} has a ..."


def test_edgelab_lab_copies_the_track_but_not_its_solutions(tmp_path: Path) -> None:
    files = {str(p) for p in kit_files()}
    assert {f"workshop/{p.name}" for p in LABS} <= files
    assert "workshop/handlers/security_headers.py" in files
    assert "workshop/site/index.html" in files
    assert not any(f.startswith("solutions") for f in files)
    done = install_kit(tmp_path / "class")
    assert (tmp_path / "class" / "workshop" / "lab1-security-headers.ipynb").is_file()
    assert "workshop/handlers/cards.json" in done.added
    install_kit(tmp_path / "teacher", solutions=True)
    assert (tmp_path / "teacher/solutions/workshop/handlers/security_headers.py").is_file()


# -- every check, right and wrong ---------------------------------------------------------


def _request(event: dict[str, Any]) -> dict[str, Any]:
    return event["Records"][0]["cf"]["request"]


def _header(name: str, value: str) -> list[dict[str, str]]:
    return [{"key": name, "value": value}]


def hsts_only(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["strict-transport-security"] = _header(
        "Strict-Transport-Security", "max-age=63072000"
    )
    return response


def replaces_headers(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = event["Records"][0]["cf"]["response"]
    response["headers"] = {
        name: _header(name, value)
        for name, value in (
            ("strict-transport-security", "max-age=63072000"),
            ("content-security-policy", "default-src 'self'"),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "same-origin"),
        )
    }
    return response


def page_not_cached(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    if not request["uri"].startswith("/card/"):
        return request
    return {
        "status": "200",
        "headers": {
            "content-type": _header("Content-Type", "text/html"),
            "cache-control": _header("Cache-Control", "no-store"),
        },
        "body": "<h1>Alpha</h1><p>hello</p>",
    }


def unknown_card_to_origin(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    if request["uri"] == "/card/alpha":
        return page_not_cached(event, context)
    return request


def like_without_title(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = json.loads(base64.b64decode(_request(event)["body"]["data"]))
    return {
        "status": "200",
        "headers": {"content-type": _header("Content-Type", "application/json")},
        "body": json.dumps({"card": body["card"], "liked": True}),
    }


def redirect_302(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    table = json.loads((WORKSHOP / "handlers" / "redirects.json").read_text())
    if request["uri"] in table:
        return {
            "status": "302",
            "headers": {"location": _header("Location", table[request["uri"]])},
        }
    return request


def redirect_dropping_query(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = redirect_302(event, context)
    if "status" in response:
        response["status"] = "301"
    return response


def mobile_first(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    flag = request["headers"]
    if flag.get("cloudfront-is-mobile-viewer", [{"value": ""}])[0]["value"] == "true":
        request["uri"] = "/mobile" + request["uri"]
    elif flag.get("cloudfront-is-tablet-viewer", [{"value": ""}])[0]["value"] == "true":
        request["uri"] = "/tablet" + request["uri"]
    return request


def trusts_the_headers(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    if request["headers"]["cloudfront-is-tablet-viewer"][0]["value"] == "true":
        request["uri"] = "/tablet" + request["uri"]
    return request


def origin_without_host(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _request(event)
    country = request["headers"]["cloudfront-viewer-country"][0]["value"]
    if country in {"DE", "FR", "GB", "IE", "ES"}:
        request["origin"]["custom"]["domainName"] = lab6.EU_DOMAIN
    return request


def card_from_json(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lab 2's page, from cards.json: right for lab 2, not for lab 7."""
    request = _request(event)
    cards = json.loads((WORKSHOP / "handlers" / "cards.json").read_text())
    name = request["uri"].removeprefix("/card/")
    if not request["uri"].startswith("/card/"):
        return request
    if name not in cards:
        return {"status": "404", "body": "no such card"}
    return {"status": "200", "body": f"<h1>{cards[name]['title']}</h1>"}


def card_by_scan(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3

    request = _request(event)
    name = request["uri"].removeprefix("/card/")
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName="cards")["Items"]
    found = [i for i in items if i["name"]["S"] == name]
    if not found:
        return {"status": "404", "body": "no such card"}
    return {"status": "200", "body": f"<h1>{found[0]['title']['S']}</h1>"}


def solved(name: str) -> str:
    """A solution handler, run from a copy of the track (it reads the tables beside it)."""
    return str(SOLVED / "handlers" / name)


@pytest.fixture(scope="module")
def track(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_track(tmp_path_factory.mktemp("track") / "workshop", solved=True)


# (task, right answer, wrong answer, words of the "not yet" message); a str answer names a
# handler file of the solved copy of the track
CASES: list[tuple[Callable[..., Any], Any, Any, str]] = [
    (lab1.task1, "security_headers.py", hsts_only, "Content-Security-Policy should set"),
    (lab1.task1, "security_headers.py", replaces_headers, "Content-Type is gone"),
    (lab1.task2, (1, 10), (10, 10), "runs on a cache miss only"),
    (lab1.task2, [1, 10], (1, 1), "it runs for every response, hits included"),
    (lab2.task1, "card_page.py", page_not_cached, "the second request for /card/alpha was a"),
    (lab2.task2, "card_page.py", unknown_card_to_origin, "went on to the origin"),
    (lab3.task1, "like_api.py", like_without_title, "it should have"),
    (lab3.task2, "like_api.py", like_without_title, "your origin-request function failed"),
    (lab4.task1, "pretty_urls.py", redirect_302, "a permanent move is a 301"),
    (lab4.task2, "pretty_urls.py", redirect_dropping_query, "not '/card/alpha?utm_source"),
    (lab5.task1, "device_content.py", mobile_first, "ask about the tablet first"),
    (lab5.task2, "device_content.py", trusts_the_headers, "KeyError: 'cloudfront-is-tablet"),
    (lab6.task1, "origin_by_country.py", origin_without_host, "set the Host header"),
    (lab7.task1, "card_from_table.py", card_from_json, "the function called nothing"),
    (lab7.task2, "card_from_table.py", card_by_scan, "['dynamodb Scan']"),
]


def _answer(answer: Any, track: Path) -> Any:
    return str(track / "handlers" / answer) if isinstance(answer, str) else answer


@pytest.mark.parametrize(
    ("check", "right", "wrong", "why"), CASES, ids=[f"{c[0].task}-{c[3][:24]}" for c in CASES]
)
def test_each_check_says_right_and_not_yet(
    check: Callable[..., Any], right: Any, wrong: Any, why: str, track: Path
) -> None:
    good = check(_answer(right, track))
    assert good.ok and str(good).startswith("right: "), str(good)
    bad = check(_answer(wrong, track))
    assert not bad and str(bad).startswith("not yet: "), str(bad)
    assert why in bad.message


def test_every_lab_check_is_tested_here() -> None:
    tested = {c[0].task for c in CASES} | {"lab6.2"}  # lab6.2: with frames, below
    assert tested == {k for k in TASKS if k.startswith("lab")}


@pytest.mark.parametrize(
    ("check", "name"),
    [(c[0], c[1]) for c in CASES if isinstance(c[1], str)],
    ids=[c[0].task for c in CASES if isinstance(c[1], str)],
)
def test_a_starting_point_is_not_yet_and_says_where_to_write(
    check: Callable[..., Any], name: str
) -> None:
    result = check(str(WORKSHOP / "handlers" / name))
    assert not result
    line = unfinished(WORKSHOP / "handlers" / name)
    assert f"replace the ... in {name} (line {line})" in result.message


def test_a_missing_handler_file_or_a_placeholder_is_not_yet(tmp_path: Path) -> None:
    missing = lab1.task1(str(tmp_path / "nope.py"))
    assert not missing and "there is no file" in missing.message
    assert "replace the ..." in lab1.task1(...).message
    broken = tmp_path / "broken.py"
    broken.write_text("def handler(event, context)\n    return 1\n")
    result = lab1.task1(str(broken))
    assert not result and "broken.py does not parse" in result.message


@pytest.fixture(scope="module")
def before_after(track: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    traffic = el.generate_traffic("workshop-small", 300, seed=7)
    with lab6.country_site() as one, lab6.country_site(solved("origin_by_country.py")) as two:
        where = lab6.ORIGIN_REGIONS
        return (
            el.estimate_latency(el.replay(one, traffic, progress=False), origins=where),
            el.estimate_latency(el.replay(two, traffic, progress=False), origins=where),
        )


def _fall(before: pd.DataFrame, after: pd.DataFrame) -> float:
    from edgelab import analysis

    p50 = [
        analysis.latency_percentiles(f, by="country").set_index("country").at["DE", "p50"]
        for f in (before, after)
    ]
    return float(p50[0] - p50[1])


def test_the_latency_check_reads_the_frames(before_after: tuple[pd.DataFrame, ...]) -> None:
    before, after = before_after
    fall = _fall(before, after)
    assert fall > 50  # Frankfurt -> Ireland instead of Frankfurt -> Virginia
    assert lab6.task2(round(fall, 1), before, after)
    wrong = lab6.task2(fall / 2, before, after)
    assert not wrong and "is not the fall" in wrong.message
    sign = lab6.task2(-fall, before, after)
    assert not sign and "wrong sign" in sign.message
    swapped = lab6.task2(fall, after, before)
    assert not swapped and "is the after frame" in swapped.message
    assert "replace the ..." in lab6.task2(..., before, after).message
