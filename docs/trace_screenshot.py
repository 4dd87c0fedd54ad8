"""Make docs/trace.png: the example verdict's trace subgraph as Neo4j's visualisation library draws it.

Not part of the product or its tests; rerun it when the example or the trace query changes:

    npm install --prefix /tmp/nvl @neo4j-nvl/base@1.2.1 esbuild   # NVL: the renderer of Neo4j's own tools
    apt-get install chromium
    .venv/bin/origingraph load && .venv/bin/python docs/trace_screenshot.py /tmp/nvl

It runs the verdict's own ``trace_cypher`` query (``TRACE_SUBGRAPH``) on the store, draws every node
and relationship the query returns with NVL in headless Chromium, and saves the screenshot.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from graph import queries
from graph.origin import evaluate_shipment, read_bom, trace_params
from graph.store import open_store

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "tshirt-my-au.yaml"
COLOURS = {"Instrument": "#4C8EDA", "Agreement": "#2E5F9E", "Country": "#57C7E3", "Bloc": "#F79767",
           "Provision": "#C990C0", "Psr": "#F16667", "HSCode": "#8DCC93"}
CAPTION = {"Instrument": "code", "Agreement": "code", "Country": "code", "Bloc": "code", "Provision": "key",
           "Psr": "scope", "HSCode": "uid"}

PAGE = """<!doctype html><html><body style="margin:0;background:#fff">
<div id="frame" style="width:1200px;height:760px"></div><script src="bundle.js"></script></body></html>"""
MAIN = """import { NVL } from '@neo4j-nvl/base';
import data from './graph.json';
const nvl = new NVL(document.getElementById('frame'), data.nodes, data.rels,
  { layout: 'd3Force', renderer: 'canvas', initialZoom: 1 },
  { onLayoutDone: () => { nvl.fit(data.nodes.map(n => n.id)); setTimeout(() => { document.title = 'done'; }, 800); } });
"""


def trace_graph() -> dict:
    with open_store() as store:
        document = read_bom(store, EXAMPLE)
        report = evaluate_shipment(store, document.product, document.shipment)
        verdict = next(v for v in report.verdicts if v.instrument == "AANZFTA-P2")
        graph = store.read_tx(lambda tx: tx.run(queries.TRACE_SUBGRAPH, trace=trace_params(verdict.trace)).graph())
        nodes = [{"id": n.element_id, "caption": str(n.get(CAPTION.get(label, "code"), label)), "size": 34,
                  "color": COLOURS.get(label, "#A5ABB6")}
                 for n in graph.nodes for label in [next(iter(n.labels), "")]]
        rels = [{"id": r.element_id, "from": r.start_node.element_id, "to": r.end_node.element_id,
                 "caption": r.type} for r in graph.relationships]
    return {"nodes": nodes, "rels": rels}


def main(nvl_dir: str) -> None:
    work = Path(tempfile.mkdtemp(dir=nvl_dir))
    (work / "graph.json").write_text(json.dumps(trace_graph()))
    (work / "main.js").write_text(MAIN)
    (work / "index.html").write_text(PAGE)
    subprocess.run([str(Path(nvl_dir) / "node_modules" / ".bin" / "esbuild"), "main.js", "--bundle",
                    "--outfile=bundle.js", "--loader:.json=json"], cwd=work, check=True)
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                    f"--user-data-dir={work / 'profile'}", "--virtual-time-budget=8000",
                    "--window-size=1200,760", f"--screenshot={HERE / 'trace.png'}", f"file://{work / 'index.html'}"],
                   check=True)
    print(HERE / "trace.png")


if __name__ == "__main__":
    main(sys.argv[1])
