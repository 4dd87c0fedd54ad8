// The workbench: wires the four panels to the HTTP API. State the tests (and a curious user) can read:
// window.workbench.traces[INSTRUMENT] is the Cytoscape.js instance drawing that verdict's trace.

import {bomFormat, call, CONTENT_TYPES, problem} from "./api.js";
import {adviceView} from "./advice.js";
import {candidateRow, candidatesOf, compareView} from "./compare.js";
import {diffView} from "./diff.js";
import {laneAnswer} from "./lane.js";
import {drawTraces, reportView} from "./verdicts.js";
import {h, rawAnswer, replace} from "./view.js";

const $ = (id) => document.getElementById(id);
const workbench = {traces: {}, answers: {}};
window.workbench = workbench;

function lane() {
  return {exporter: $("lane-exporter").value.trim().toUpperCase(), importer: $("lane-importer").value.trim().toUpperCase(),
          date: $("lane-date").value, hs: $("lane-hs").value.trim(), hs_version: $("lane-hs-version").value};
}

// Run `work` with `button` disabled and `target` marked busy; whatever it returns replaces the target.
async function busy(button, target, work) {
  button.disabled = true;
  target.setAttribute("aria-busy", "true");
  replace(target, h("p", {class: "working"}, "Working…"));
  try {
    replace(target, await work());
  } catch (error) {
    replace(target, h("div", {class: "problem", role: "alert"}, h("strong", {}, "Something went wrong in the page: "), String(error)));
  } finally {
    button.disabled = false;
    target.removeAttribute("aria-busy");
  }
}

function answered(answer, render, onLine) {
  return answer.ok ? [render(answer.data), rawAnswer(answer.request, answer.data)]
    : [problem(answer, onLine), rawAnswer(answer.request, answer.data)];
}

// ---------------------------------------------------------------- lane

$("lane-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const {exporter, importer, date, hs, hs_version: hsVersion} = lane();
  busy($("lane-submit"), $("lane-result"), async () => {
    const answer = hs ? await call("GET", "/v1/rules", {query: {exporter, importer, date, hs, hs_version: hsVersion}})
      : await call("GET", "/v1/applicability", {query: {exporter, importer, date}});
    workbench.answers.lane = answer.data;
    return answered(answer, laneAnswer);
  });
});

// ---------------------------------------------------------------- BOM

let fileName = "";

$("bom-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  fileName = file.name;
  $("bom-text").value = await file.text();
  $("bom-format").value = bomFormat($("bom-text").value, "auto", fileName);
});

$("bom-text").addEventListener("input", () => { fileName = ""; });

// The BOM editor's text as a request body, and the lane's shipment as query overrides when asked for.
function bomRequest(keys = ["exporter", "importer", "date"]) {
  const text = $("bom-text").value;
  const format = bomFormat(text, $("bom-format").value, fileName);
  const overrides = {};
  if ($("bom-use-lane").checked) {
    const current = lane();
    for (const key of keys) overrides[key] = current[key];
  }
  return {body: text, type: CONTENT_TYPES[format], query: overrides};
}

function showLine(line) {
  const editor = $("bom-text");
  const lines = editor.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const end = start + (lines[line - 1] || "").length;
  editor.focus();
  editor.setSelectionRange(start, end);
  const height = editor.scrollHeight / Math.max(lines.length, 1);
  editor.scrollTop = Math.max(0, (line - 3) * height);
}

async function evaluate() {
  if (!$("bom-text").value.trim()) {
    replace($("bom-result"), h("p", {class: "problem", role: "alert"}, "Paste or upload a BOM document first."));
    return;
  }
  const request = bomRequest();
  let traces = [];
  await busy($("bom-submit"), $("bom-result"), async () => {
    const answer = await call("POST", "/v1/origin/evaluate", request);
    workbench.answers.evaluate = answer.data;
    return answered(answer, (report) => {
      const drawn = reportView(report, {onAdvice: advise});
      traces = drawn.traces;
      return drawn.view;
    }, showLine);
  });
  workbench.traces = drawTraces(traces);
}

$("bom-form").addEventListener("submit", (event) => {
  event.preventDefault();
  evaluate();
});

// ---------------------------------------------------------------- advice

async function advise(verdict, slot, button) {
  const request = bomRequest();
  request.query.instrument = verdict.instrument;
  await busy(button, slot, async () => {
    const answer = await call("POST", "/v1/origin/advice", request);
    workbench.answers.advice = answer.data;
    if (answer.status === 404 && !(answer.data && answer.data.type && answer.data.type !== "about:blank")) {
      return h("p", {class: "empty"}, "This server gives no sourcing advice (POST /v1/origin/advice is not available).");
    }
    return answered(answer, (advice) => adviceView(advice, loadBom), showLine);
  });
}

function loadBom(bom) {
  $("bom-text").value = typeof bom === "string" ? bom : JSON.stringify(bom, null, 2);
  $("bom-format").value = typeof bom === "string" ? "auto" : "json";
  fileName = "";
  $("bom").scrollIntoView({behavior: "smooth", block: "start"});
  evaluate();
}

// ---------------------------------------------------------------- compare

const rows = $("candidate-rows");
const removeRow = (row) => { if (rows.children.length > 1) row.remove(); };
for (const values of [{label: "MY direct", producer: "MY", importer: "AU"},
                      {label: "MY via SG", producer: "MY", importer: "AU", via: "SG"},
                      {label: "VN direct", producer: "VN", importer: "AU"},
                      {label: "CN to US", producer: "CN", importer: "US", date: "2025-12-01"}]) {
  rows.append(candidateRow(values, removeRow));
}
$("candidate-add").addEventListener("click", () => {
  const row = candidateRow({importer: lane().importer}, removeRow);
  rows.append(row);
  row.querySelector("input").focus();
});

$("compare-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("compare-submit"), $("compare-result"), async () => {
    if (!$("bom-text").value.trim()) return h("p", {class: "problem", role: "alert"}, "Paste or upload a BOM document in panel 2 first.");
    const read = await call("POST", "/v1/origin/document", bomRequest([]));
    if (!read.ok) return answered(read, () => null, showLine);
    const candidates = candidatesOf(rows).map((c) => ({...c, date: c.date || lane().date}));
    const answer = await call("POST", "/v1/shipments/compare",
      {body: JSON.stringify({product: read.data.product, candidates}), type: "application/json"});
    workbench.answers.compare = answer.data;
    return answered(answer, compareView);
  });
});

// ---------------------------------------------------------------- diff

$("diff-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("diff-submit"), $("diff-result"), async () => {
    if (!$("bom-text").value.trim()) return h("p", {class: "problem", role: "alert"}, "Paste or upload a BOM document in panel 2 first.");
    const request = bomRequest(["exporter", "importer"]);
    request.query.date_a = $("diff-date-a").value;
    request.query.date_b = $("diff-date-b").value;
    const answer = await call("POST", "/v1/origin/changes", request);
    workbench.answers.diff = answer.data;
    return answered(answer, diffView, showLine);
  });
});

workbench.ready = true;
document.documentElement.dataset.ready = "true";
