// The BOM panel's answer: a verdict per instrument with its numbers and explanation (each criterion with
// its reason), the trace drawn as a graph, and what could not be judged (undetermined) and why.

import {definitions, h, list, ruleStatus, yesNo} from "./view.js";
import {drawTrace, traceFactsList} from "./trace.js";

const NUMBERS = [
  ["fob", "FOB"], ["ex_works", "Ex-works"], ["vnm", "VNM (non-originating materials)"],
  ["vom", "VOM (originating materials)"], ["partner_processing", "Processing in partner parties (full cumulation)"],
  ["rvc_build_down_pct", "RVC build-down", "%"], ["rvc_build_up_pct", "RVC build-up", "%"],
  ["nom_pct", "Non-originating materials (MaxNOM basis)", "%"],
  ["tolerance_used_value", "Tolerance used"], ["tolerance_limit_value", "Tolerance limit"],
];

// `onAdvice(verdict, slot)` fills `slot` with sourcing advice for a verdict that does not originate.
export function reportView(report, {onAdvice} = {}) {
  const traces = [];
  const view = h("div", {class: "report"},
    h("h3", {}, `${report.sku}: ${report.exporter} → ${report.importer} on ${report.date}`),
    report.verdicts.length ? null : h("p", {class: "empty"}, "No instrument gives a verdict for this shipment."),
    report.verdicts.map((v) => verdictCard(v, traces, onAdvice)),
    undetermined(report.undetermined || []),
    report.pending && report.pending.length ? h("div", {class: "pending"}, h("h4", {}, "Pending texts"),
      list(report.pending, (p) => [h("span", {class: "code"}, p.instrument), ` ${p.title || ""}`,
        list(p.missing || [], (m) => `missing: ${m}`)])) : null);
  return {view, traces};
}

function verdictCard(v, traces, onAdvice) {
  const graph = h("div", {class: "trace", role: "img", "aria-label": `Graph of the ${v.trace.facts.length} facts the ${v.instrument} verdict used`,
                          dataset: {instrument: v.instrument}});
  const tapped = h("div", {class: "trace-detail", "aria-live": "polite"}, "Select a node or an edge to see its fact.");
  traces.push({instrument: v.instrument, container: graph, details: tapped, facts: v.trace.facts});
  const adviceSlot = h("div", {class: "advice"});
  return h("article", {class: `card verdict ${v.originating ? "verdict-yes" : "verdict-no"}`, dataset: {instrument: v.instrument}},
    h("header", {class: "verdict-head"},
      h("h4", {}, h("span", {class: "code"}, v.instrument), ` (${v.agreement})`), yesNo(v.originating)),
    definitions([
      ["Rule", h("code", {class: "rule"}, v.rule)],
      ["Rule status", ruleStatus(v.rule_status, v.provisional_reason)],
      ["Met by", v.passed_by ? h("code", {}, v.passed_by) : (v.originating ? null : "no alternative of the rule")],
      ["Rule written in", v.schedule_version],
      ["Provisional", v.provisional ? v.provisional_reason || "yes" : null],
      ["Direct consignment", v.consignment ? [yesNo(v.consignment.ok, "holds", "fails"), ` ${v.consignment.reason}`] : null],
    ]),
    numbers(v.numbers),
    h("h5", {}, "Why"),
    criteria(v.criteria),
    section("Materials that block the tariff shift", v.ctc_failures),
    section("Covered by tolerance", v.tolerated),
    v.cumulated && v.cumulated.length ? [h("h5", {}, "Counted as originating through cumulation"),
      list(v.cumulated, (c) => [h("strong", {}, c.material), ` from ${c.country}, ${c.value} (${c.kind}, ${c.via.replace("_", " ")}): `,
        h("code", {}, c.provision), list(c.path)])] : null,
    v.fungible && v.fungible.length ? [h("h5", {}, "Fungible stock"),
      list(v.fungible, (f) => `${f.material}: originating ${f.originating_value}, non-originating ${f.non_originating_value} (${f.article}${f.needs_authorisation ? ", needs authorisation" : ""})`)] : null,
    v.intermediates && v.intermediates.length ? [h("h5", {}, "Intermediates judged under their own rule"),
      list(v.intermediates, (q) => [h("strong", {}, q.subject), ` (${q.hs_version} ${q.hs}) `, yesNo(q.originating), " ",
        h("code", {}, q.rule), q.passed_by ? ` met by ${q.passed_by}` : null])] : null,
    v.hs_mappings && v.hs_mappings.length ? [h("h5", {}, "HS codes mapped between editions"),
      list(v.hs_mappings, (m) => `${m.from_version} ${m.code} → ${m.to_version} ${m.targets.join(", ")}${m.ambiguous ? " (ambiguous)" : ""}`)] : null,
    proof(v.proof),
    section("Warnings", v.warnings, "warnings"),
    v.originating ? null : adviceSection(v, adviceSlot, onAdvice),
    h("h5", {}, "Trace: the graph facts this verdict used"),
    graph, tapped,
    traceFactsList(v.trace.facts),
    v.trace_cypher ? h("details", {class: "cypher"}, h("summary", {}, "The same facts as a Neo4j Browser script"),
      h("pre", {}, v.trace_cypher)) : null);
}

function numbers(n) {
  if (!n) return null;
  const rows = NUMBERS.filter(([key]) => n[key] !== null && n[key] !== undefined);
  return h("table", {class: "numbers"},
    h("caption", {}, `Numbers (${n.currency})${n.tolerance_basis ? `, tolerance on ${n.tolerance_basis}` : ""}`),
    h("tbody", {}, rows.map(([key, label, unit]) => h("tr", {}, h("th", {scope: "row"}, label),
      h("td", {class: "num"}, `${n[key]}${unit || ""}`)))));
}

function criteria(items) {
  return h("ul", {class: "criteria"}, items.map((c) => h("li", {
    class: c.passed ? "ok" : "no", dataset: {depth: String(c.node.split(".").length)}},
    h("span", {class: "mark", "aria-label": c.passed ? "met" : "not met"}, c.passed ? "✓" : "✗"), " ",
    h("code", {}, c.text), `: ${c.reason}`,
    c.failures && c.failures.length ? h("span", {class: "sub"}, ` — not changing: ${c.failures.join(", ")}`) : null,
    c.tolerated && c.tolerated.length ? h("span", {class: "sub"}, ` — tolerated: ${c.tolerated.join(", ")}`) : null)));
}

function section(title, items, cls) {
  return items && items.length ? [h("h5", {}, title), list(items, (x) => x, {class: cls || null})] : null;
}

function proof(p) {
  if (!p) return null;
  return [h("h5", {}, "Proof of origin"),
    list(p.options, (o) => [h("strong", {}, o.name), o.article ? ` (${o.article})` : null, `: ${o.why}`]),
    p.rejected && p.rejected.length ? list(p.rejected, (o) => `not usable: ${o.name || JSON.stringify(o)}${o.why ? `: ${o.why}` : ""}`) : null,
    h("p", {class: "sub"}, p.fob_reason || "")];
}

function adviceSection(v, slot, onAdvice) {
  if (!onAdvice) return null;
  const button = h("button", {type: "button", class: "secondary advice-button", dataset: {instrument: v.instrument},
    onclick: () => onAdvice(v, slot, button)}, "What would it take to originate?");
  return h("div", {class: "advice-box"}, button, slot);
}

function undetermined(items) {
  if (!items.length) return null;
  return h("div", {class: "undetermined"}, h("h4", {}, "Not judged"),
    list(items, (u) => [h("span", {class: "code"}, u.instrument), ` (${u.agreement}) `, ruleStatus(u.rule_status), h("p", {}, u.reason)]));
}

export function drawTraces(traces) {
  const drawn = {};
  for (const t of traces) drawn[t.instrument] = drawTrace(t.container, t.details, t.facts, t.instrument);
  return drawn;
}
