"""Make docs/trace.png: the example verdict's trace subgraph drawn with Cytoscape.js, the graph-drawing
library the workbench page ships (``api/web/vendor/cytoscape``, MIT), in headless Chromium; and, with
``--workbench URL``, the docs/workbench-*.png screenshots of the page on a running ``origingraph serve``.

Not part of the product or its tests; rerun it when the example, the trace query or the page changes:

    apt-get install chromium && .venv/bin/pip install -e '.[test]'   # Playwright drives Debian's chromium
    .venv/bin/origingraph load && .venv/bin/python docs/trace_screenshot.py
    .venv/bin/origingraph serve & .venv/bin/python docs/trace_screenshot.py --workbench http://127.0.0.1:8000

It runs the verdict's own ``trace_cypher`` query (``TRACE_SUBGRAPH``) on the store and draws every node
and relationship the query returns (the instrument's agreement and the texts it amends included), with
the colours of the page's trace view (``api/web/trace.js``), then saves the screenshot.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from graph import queries
from graph.origin import evaluate_shipment, read_bom, trace_params
from graph.store import open_store

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "tshirt-my-au.yaml"
FAILING = HERE.parent / "examples" / "tshirt-printed-blank.yaml"
CYTOSCAPE = HERE.parent / "api" / "web" / "vendor" / "cytoscape" / "cytoscape.min.js"
CHROMIUM = "/usr/bin/chromium"
COLOURS = {"Instrument": "#4C8EDA", "Agreement": "#2E5F9E", "Country": "#57C7E3", "Bloc": "#F79767",
           "Provision": "#C990C0", "Psr": "#F16667", "HSCode": "#8DCC93"}
CAPTION = {"Instrument": "code", "Agreement": "code", "Country": "code", "Bloc": "code", "Provision": "key",
           "Psr": "scope", "HSCode": "uid"}
WIDTH, HEIGHT = 1200, 760

DRAW = """graph => new Promise(done => {
  const frame = document.getElementById('frame');
  const cy = cytoscape({container: frame, elements: graph, style: [
    {selector: 'node', style: {'background-color': 'data(colour)', label: 'data(label)', color: '#1d2733',
      'font-size': 13, 'text-valign': 'bottom', 'text-margin-y': 5, width: 38, height: 38,
      'border-width': 2, 'border-color': '#ffffff'}},
    {selector: "node[kind = 'Instrument'], node[kind = 'Agreement']", style: {width: 54, height: 54, 'font-weight': 'bold'}},
    {selector: 'edge', style: {width: 1.6, 'line-color': '#9aa5b1', 'target-arrow-color': '#9aa5b1',
      'target-arrow-shape': 'triangle', 'curve-style': 'bezier', label: 'data(type)', 'font-size': 9,
      color: '#52606d', 'text-rotation': 'autorotate', 'text-background-color': '#ffffff',
      'text-background-opacity': 0.85, 'text-background-padding': 1}}],
    layout: {name: 'concentric', concentric: n => n.degree(), levelWidth: () => 2, minNodeSpacing: 70,
      padding: 50, animate: false}});
  cy.ready(() => { cy.fit(undefined, 40); requestAnimationFrame(() => requestAnimationFrame(() => done(cy.nodes().length))); });
})"""


def _caption(label: str, node) -> str:
    caption = str(node.get(CAPTION.get(label, "code"), label))
    return f"{caption} (agreement)" if label == "Agreement" else f"PSR {caption}" if label == "Psr" else caption


def trace_graph() -> list[dict]:
    """Cytoscape elements: every node and relationship ``TRACE_SUBGRAPH`` returns for the example's verdict."""
    with open_store() as store:
        document = read_bom(store, EXAMPLE)
        report = evaluate_shipment(store, document.product, document.shipment)
        verdict = next(v for v in report.verdicts if v.instrument == "AANZFTA-P2")
        graph = store.read_tx(lambda tx: tx.run(queries.TRACE_SUBGRAPH, trace=trace_params(verdict.trace)).graph())
        nodes = [{"data": {"id": n.element_id, "kind": label, "label": _caption(label, n),
                           "colour": COLOURS.get(label, "#A5ABB6")}}
                 for n in graph.nodes for label in [next(iter(n.labels), "")]]
        rels = [{"data": {"id": r.element_id, "source": r.start_node.element_id, "target": r.end_node.element_id,
                          "type": r.type}} for r in graph.relationships]
    return nodes + rels


def _browser(playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"])


def trace_png(out: Path = HERE / "trace.png") -> None:
    elements = trace_graph()
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        legend = "".join(f'<span style="margin-right:14px"><span style="display:inline-block;width:11px;height:11px;'
                         f'border-radius:50%;background:{colour};margin-right:4px"></span>{kind}</span>'
                         for kind, colour in COLOURS.items())
        page.set_content(f'<!doctype html><html><body style="margin:0;background:#fff;font:13px sans-serif">'
                         f'<div style="position:absolute;left:16px;top:12px;z-index:1;color:#1d2733">{legend}</div>'
                         f'<div id="frame" style="width:{WIDTH}px;height:{HEIGHT}px"></div></body></html>')
        page.add_script_tag(path=str(CYTOSCAPE))
        drawn = page.evaluate(DRAW, elements)
        page.screenshot(path=str(out))
        browser.close()
    print(f"{out}: {drawn} nodes, {len(elements) - drawn} relationships")


def workbench_pngs(url: str) -> None:
    """The page's panels answering the README's T-shirt questions, as a planner would click through them."""
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(120_000)
        page.goto(url.rstrip("/") + "/")
        page.wait_for_selector("html[data-ready=true]", state="attached")
        page.click("#lane-submit")
        page.wait_for_selector("#lane-result .lane-answer")
        page.locator("#lane").screenshot(path=str(HERE / "workbench-lane.png"))
        page.fill("#bom-text", EXAMPLE.read_text())
        page.click("#bom-submit")
        page.wait_for_function("() => window.workbench.traces['AANZFTA-P2'] !== undefined")
        page.locator("#bom").screenshot(path=str(HERE / "workbench-verdict.png"))
        page.click("#compare-submit")
        page.wait_for_selector("#compare-result table.ranked")
        page.locator("#compare").screenshot(path=str(HERE / "workbench-compare.png"))
        page.click("#diff-submit")
        page.wait_for_selector("#diff-result table.changes")
        page.locator("#diff").screenshot(path=str(HERE / "workbench-diff.png"))
        page.fill("#bom-text", FAILING.read_text())
        page.click("#bom-submit")
        failed = page.locator("#bom-result article.verdict-no[data-instrument='AANZFTA-P2']")
        failed.locator("button.advice-button").click()
        failed.locator(".advice-answer").wait_for()
        failed.screenshot(path=str(HERE / "workbench-advice.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(HERE / "workbench-narrow.png"))
        browser.close()
    print(f"{HERE}/workbench-*.png")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--workbench"]:
        workbench_pngs(sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8000")
    else:
        trace_png(*(Path(a) for a in sys.argv[1:2]))
