"""The planner's workbench in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright's Python API against a live uvicorn on 127.0.0.1 serving the session's seeded store.

What the page shows is checked against the JSON the API gives for the same request, since the page
only ever uses the public API. Without Playwright or ``/usr/bin/chromium`` the browser tests skip
locally and fail under CI (``CI`` set; ``.ci/run`` installs the browser).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.routes.web import CONTENT_SECURITY_POLICY, WEB
from graph.store import Store

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "tshirt-my-au.yaml"
EXAMPLE_CSV = REPO / "examples" / "tshirt-bom.csv"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANSWERED_WITH_A_PROBLEM = "Failed to load resource: the server responded with a status of 4"
"""What Chromium logs for every 4xx answer: a BOM with a bad line is meant to get one."""

FAILING_EXAMPLE = REPO / "examples" / "tshirt-printed-blank.yaml"
"""The README's failing example: not originating under AANZFTA-P2, fixed by sourcing advice."""


@pytest.fixture(scope="module")
def server(seeded: Store) -> Iterator[str]:
    """The real app on a live uvicorn on 127.0.0.1 (a free port), in a thread of this process."""
    previous = os.environ.pop("ORIGINGRAPH_API_KEY", None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(seeded)
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, name="workbench-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=15)
        if previous is not None:
            os.environ["ORIGINGRAPH_API_KEY"] = previous


@pytest.fixture(scope="module")
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "Playwright is not installed (pip install -e '.[test]')"
    if reason is None and not CHROMIUM.exists():
        reason = f"no browser at {CHROMIUM} (apt-get install chromium)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must not skip the browser tests)", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    """The workbench, loaded; fails the test on any script error, failed load or CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(90_000)
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
           if m.type == "error" and not m.text.startswith(ANSWERED_WITH_A_PROBLEM) else None)
    tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    tab.on("request", lambda r: None if r.url.startswith(server) or r.url.startswith("data:")
           else problems.append(f"request off the server: {r.url}"))
    tab.goto(server + "/")
    tab.wait_for_selector("html[data-ready=true]", state="attached")
    tab.evaluate("""() => { window.cspViolations = [];
        document.addEventListener('securitypolicyviolation',
          e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI)); }""")
    yield tab
    violations = tab.evaluate("window.cspViolations")
    context.close()
    assert not violations, violations
    assert not problems, problems


def _evaluate(page, text: str) -> None:
    page.fill("#bom-text", text)
    page.click("#bom-submit")
    page.wait_for_selector("#bom-result .report, #bom-result .problem")
    page.wait_for_function("() => document.querySelector('#bom-result').getAttribute('aria-busy') === null")


def _has_advice(api: httpx.Client) -> bool:
    return "/v1/origin/advice" in api.get("/openapi.json").json()["paths"]


# ------------------------------------------------------------------ served files (no browser needed)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1][0] == "script" and data.strip():
            self.inline_script = True


def test_page_and_assets_are_served_offline_with_a_strict_csp(api: httpx.Client) -> None:
    page = api.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    parsed = _Tags()
    parsed.feed(page.text)
    assert not parsed.inline_script
    assert not [a for _, attrs in parsed.tags for a in attrs if a.startswith("on") or a == "style"]
    linked = [attrs.get("src") or attrs.get("href") for tag, attrs in parsed.tags
              if tag in ("script", "link")]
    assert linked and all(url.startswith("/web/") for url in linked), linked
    types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for url in linked:
        answer = api.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].startswith(types[Path(url).suffix]), url
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    modules = sorted(p.name for p in WEB.glob("*.js"))
    for name in modules:
        text = api.get(f"/web/{name}").text
        imported = re.findall(r'from "\./([\w.]+)"', text)
        assert set(imported) <= set(modules), (name, imported)
        assert not re.search(r"https?://", text), f"{name} names an outside address"
    assert api.get("/web/vendor/cytoscape/LICENSE").text.startswith("Copyright (c) 2016-2026, The Cytoscape")
    assert api.get("/web/../routes/web.py").status_code == 404
    assert api.get("/web/%2e%2e/app.py").status_code == 404
    assert api.get("/web/nothing.js").status_code == 404


def test_document_endpoint_reads_yaml_and_csv_as_the_evaluator_does(api: httpx.Client) -> None:
    """The JSON the compare panel sends: YAML and CSV BOMs read into the product with its BOM nested."""
    yaml_doc = api.post("/v1/origin/document", content=EXAMPLE.read_text(), headers={"content-type": "application/yaml"})
    assert yaml_doc.status_code == 200, yaml_doc.text
    body = yaml_doc.json()
    assert body["product"]["sku"] == "TS-100" and [m["id"] for m in body["product"]["bom"]] == ["fabric", "yarn", "labels"]
    assert body["shipment"]["exporter"] == "MY"
    csv_doc = api.post("/v1/origin/document", content=EXAMPLE_CSV.read_text(), headers={"content-type": "text/csv"})
    assert csv_doc.status_code == 200 and csv_doc.json()["shipment"] is None
    assert [(m["id"], m["value"]) for m in csv_doc.json()["product"]["bom"]] == \
        [(m["id"], m["value"]) for m in body["product"]["bom"]]
    bad = api.post("/v1/origin/document", content="product:\n  sku: X\n", headers={"content-type": "application/yaml"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["line"] >= 1
    assert api.post("/v1/origin/document", content="x", headers={"content-type": "text/plain"}).status_code == 415


# ------------------------------------------------------------------ in the browser


def test_lane_shows_instruments_dual_running_and_rule_status(page, api: httpx.Client) -> None:
    page.fill("#lane-exporter", "MY")
    page.fill("#lane-importer", "AU")
    page.fill("#lane-date", "2025-06-02")
    page.fill("#lane-hs", "610910")
    page.select_option("#lane-hs-version", "HS2022")
    page.click("#lane-submit")
    page.wait_for_selector("#lane-result .lane-answer")
    expected = api.get("/v1/rules", params={"exporter": "MY", "importer": "AU", "date": "2025-06-02",
                                            "hs": "610910", "hs_version": "HS2022"}).json()
    cards = page.locator("#lane-result article.instrument")
    assert cards.count() == len(expected["instruments"]) >= 1
    for item in expected["instruments"]:
        card = page.locator(f"#lane-result article[data-instrument='{item['instrument']}']")
        text = card.inner_text()
        assert item["title"] in text
        for older in item["supersedes"]:
            assert f"supersedes {older}" in text
        if item.get("rule_status"):
            assert card.locator("[data-rule-status]").get_attribute("data-rule-status") == item["rule_status"]
        if item["psr"] and item["psr"]["rule"]:
            assert item["psr"]["rule"] in text
    p2 = page.locator("#lane-result article[data-instrument='AANZFTA-P2']").inner_text()
    assert "supersedes AANZFTA for this pair" in p2
    pending_words = "No text is pending" if not expected["pending"] else "Pending texts"
    assert pending_words in page.locator("#lane-result").inner_text()


def test_example_bom_verdict_numbers_explanation_and_drawn_trace(page, api: httpx.Client) -> None:
    _evaluate(page, EXAMPLE.read_text())
    report = api.post("/v1/origin/evaluate", content=EXAMPLE.read_text(),
                      headers={"content-type": "application/yaml"}).json()
    verdict = next(v for v in report["verdicts"] if v["instrument"] == "AANZFTA-P2")
    card = page.locator("#bom-result article.verdict[data-instrument='AANZFTA-P2']")
    text = card.inner_text()
    assert "originating" in card.locator(".badge").first.inner_text()
    assert verdict["originating"] is True and verdict["rule"] in text
    for number in ("fob", "vnm", "vom"):
        assert verdict["numbers"][number] in text
    assert f"{verdict['numbers']['rvc_build_down_pct']}%" in text
    criteria = card.locator("ul.criteria > li")
    assert criteria.count() == len(verdict["criteria"])
    for item in verdict["criteria"]:
        assert item["reason"] in text
    assert "yarn" in text and "cumulation.diagonal" in text  # the VN yarn counted through diagonal cumulation
    for u in report["undetermined"]:
        assert u["reason"] in page.locator("#bom-result .undetermined").inner_text()

    page.wait_for_function("() => window.workbench.traces['AANZFTA-P2'] !== undefined")
    facts = verdict["trace"]["facts"]
    expected_nodes = _trace_node_count(facts)
    drawn = page.evaluate("""() => {
        const cy = window.workbench.traces['AANZFTA-P2'];
        const box = cy.container().getBoundingClientRect();
        const inside = cy.nodes().every(n => { const p = n.renderedPosition();
            return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height; });
        const canvases = [...cy.container().querySelectorAll('canvas')];
        const painted = canvases.some(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false; });
        return {nodes: cy.nodes().length, edges: cy.edges().length, inside, painted,
                labels: cy.nodes().map(n => n.data('label')), width: box.width, height: box.height};
    }""")
    assert drawn["nodes"] == expected_nodes and drawn["nodes"] >= 5, drawn
    assert drawn["edges"] >= drawn["nodes"] - 3 and drawn["inside"] and drawn["painted"], drawn
    assert {"AANZFTA-P2", "MY", "AU", "VN", "cumulation.diagonal"} <= set(drawn["labels"])
    assert drawn["width"] > 300 and drawn["height"] > 200

    # Interactive: tapping a node shows the fact behind it.
    page.evaluate("window.workbench.traces['AANZFTA-P2'].getElementById('instrument:AANZFTA-P2').emit('tap')")
    assert "Instrument AANZFTA-P2" in card.locator(".trace-detail").inner_text()


def _trace_node_count(facts: list[dict]) -> int:
    """How many graph nodes the trace facts name (what the page must draw)."""
    nodes = set()
    for f in facts:
        k = f["key"]
        if f["kind"] == "Instrument":
            nodes.add(("i", k["code"]))
        elif f["kind"] == "PartyTo":
            nodes |= {("p", k["party"]), ("i", k["instrument"])}
        elif f["kind"] == "MemberOf":
            nodes |= {("p", k["country"]), ("p", k["bloc"])}
        elif f["kind"] == "Provision":
            nodes |= {("v", k["uid"]), ("i", k["uid"].split(":")[0])}
        elif f["kind"] == "Psr":
            nodes |= {("r", k["uid"]), ("i", k["uid"].split(":")[0])}
        elif f["kind"] == "CorrelatesTo":
            nodes |= {("h", k["from"]), ("h", k["to"])}
    return len(nodes)


def test_bom_error_is_shown_with_its_line(page) -> None:
    text = EXAMPLE.read_text().replace('    value: "0.30"', '    value: "-0.30"')
    _evaluate(page, text)
    problem = page.locator("#bom-result .problem")
    line = next(n for n, l in enumerate(text.splitlines(), 1) if '"-0.30"' in l)
    assert "Invalid BOM" in problem.inner_text()
    button = problem.locator("button.line").first
    reported = int(button.inner_text().split()[-1])
    assert abs(reported - line) <= 1
    button.click()
    selected = page.evaluate("() => { const t = document.getElementById('bom-text');"
                             " return t.value.slice(t.selectionStart, t.selectionEnd); }")
    assert selected == text.splitlines()[reported - 1]


def test_uploaded_csv_is_sent_as_csv_with_the_lane_as_shipment(page) -> None:
    page.fill("#lane-exporter", "MY")
    page.fill("#lane-importer", "AU")
    page.fill("#lane-date", "2025-06-02")
    page.set_input_files("#bom-file", str(EXAMPLE_CSV))
    page.wait_for_function("() => document.getElementById('bom-text').value.startsWith('parent,component')")
    assert page.input_value("#bom-format") == "csv"
    page.check("#bom-use-lane")
    with page.expect_request("**/v1/origin/evaluate?*") as sent:
        page.click("#bom-submit")
    assert sent.value.headers["content-type"] == "text/csv"
    assert "exporter=MY" in sent.value.url and "date=2025-06-02" in sent.value.url
    page.wait_for_selector("#bom-result article.verdict[data-instrument='AANZFTA-P2']")
    assert "MY → AU on 2025-06-02" in page.locator("#bom-result .report h3").inner_text()


def test_comparison_is_a_ranked_table_with_every_layer(page, api: httpx.Client) -> None:
    page.fill("#bom-text", EXAMPLE.read_text())
    page.fill("#lane-date", "2025-06-02")
    page.click("#compare-submit")
    page.wait_for_selector("#compare-result table.ranked")
    product = api.post("/v1/origin/document", content=EXAMPLE.read_text(),
                       headers={"content-type": "application/yaml"}).json()["product"]
    candidates = [{"label": "MY direct", "producer": "MY", "importer": "AU", "date": "2025-06-02"},
                  {"label": "MY via SG", "producer": "MY", "importer": "AU", "date": "2025-06-02", "via": ["SG"]},
                  {"label": "VN direct", "producer": "VN", "importer": "AU", "date": "2025-06-02"},
                  {"label": "CN to US", "producer": "CN", "importer": "US", "date": "2025-12-01"}]
    expected = api.post("/v1/shipments/compare", json={"product": product, "candidates": candidates}).json()
    rows = page.locator("#compare-result table.ranked tbody tr")
    assert rows.count() == len(expected["rows"]) >= 4
    for i, row in enumerate(expected["rows"]):
        shown = rows.nth(i)
        assert shown.get_attribute("data-rank") == str(row["rank"])
        text = shown.inner_text()
        assert row["label"] in text
        for layer in row["layers"]:
            assert layer in text
        if row["landed_amount"] is not None:
            assert row["landed_amount"] in text
    us = next(r for r in expected["rows"] if r["label"] == "CN to US")
    assert len(us["layers"]) >= 2  # MFN plus the US overlays, each shown


def test_changes_between_two_dates(page, api: httpx.Client) -> None:
    page.fill("#bom-text", EXAMPLE.read_text())
    page.fill("#diff-date-a", "2025-04-20")
    page.fill("#diff-date-b", "2025-06-02")
    page.click("#diff-submit")
    page.wait_for_selector("#diff-result table.changes")
    expected = api.post("/v1/origin/changes", params={"date_a": "2025-04-20", "date_b": "2025-06-02"},
                        content=EXAMPLE.read_text(), headers={"content-type": "application/yaml"}).json()
    rows = page.locator("#diff-result table.changes tbody tr")
    assert rows.count() == len(expected["changes"]) >= 1
    instrument = page.locator("#diff-result tr[data-kind=instrument]").first.inner_text()
    assert "AANZFTA-P2" in instrument and "AANZFTA" in instrument


def test_advice_for_a_failing_bom_loads_a_bom_that_originates(page, api: httpx.Client) -> None:
    if not _has_advice(api):
        pytest.skip("POST /v1/origin/advice is not served yet")
    _evaluate(page, FAILING_EXAMPLE.read_text())
    card = page.locator("#bom-result article.verdict[data-instrument='AANZFTA-P2']")
    assert "not originating" in card.locator(".badge").first.inner_text()
    card.locator("button.advice-button").click()
    card.locator(".advice-answer").wait_for()
    advice = api.post("/v1/origin/advice", params={"instrument": "AANZFTA-P2"}, content=FAILING_EXAMPLE.read_text(),
                      headers={"content-type": "application/yaml"}).json()
    assert advice["status"] == "suggestions"
    shown = card.locator(".advice-answer li.suggestion")
    assert shown.count() == len(advice["suggestions"]) >= 1
    for i, suggestion in enumerate(advice["suggestions"]):
        assert suggestion["summary"] in shown.nth(i).inner_text()
    for gap in advice["gaps"]:
        assert gap["reason"] in card.locator(".advice-answer").inner_text()
    load = shown.first.locator("button.load-bom")
    load.click()
    page.wait_for_function("() => document.querySelector('#bom-result').getAttribute('aria-busy') === null"
                           " && document.querySelector('#bom-result .report') !== null"
                           " && !document.querySelector('#bom-result .advice-answer')")
    after = page.locator("#bom-result article.verdict[data-instrument='AANZFTA-P2'] .badge").first.inner_text()
    assert after == "originating"
    assert page.input_value("#bom-format") == "json"
    assert json.loads(page.input_value("#bom-text")) == advice["suggestions"][0]["bom"]


def test_every_control_has_a_label_and_a_narrow_screen_does_not_scroll_sideways(page) -> None:
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
        .map(e => e.outerHTML)""")
    assert not unlabelled
    _evaluate(page, EXAMPLE.read_text())
    page.click("#compare-submit")
    page.wait_for_selector("#compare-result table.ranked")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
