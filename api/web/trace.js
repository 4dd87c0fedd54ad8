// A verdict's trace (the graph facts it used) drawn as a graph with Cytoscape.js: one node per graph
// node a fact names, one edge per relationship fact. Nothing is added that the trace does not say.

import {h, list} from "./view.js";

export const COLOURS = {Instrument: "#4C8EDA", Party: "#57C7E3", Country: "#57C7E3", Bloc: "#F79767",
                        Provision: "#C990C0", Psr: "#F16667", HSCode: "#8DCC93"};

// Cytoscape elements from `trace.facts` (kinds: Instrument, PartyTo, MemberOf, Provision, Psr, CorrelatesTo).
export function traceElements(facts, instrument) {
  const nodes = new Map();
  const edges = new Map();
  const blocs = new Set(facts.filter((f) => f.kind === "MemberOf").map((f) => f.key.bloc));
  const node = (id, kind, label, summary) => {
    const known = nodes.get(id);
    if (known) {
      if (summary && !known.data.summary) known.data.summary = summary;
      return id;
    }
    nodes.set(id, {group: "nodes", data: {id, kind, label, summary: summary || "", colour: COLOURS[kind] || "#A5ABB6"}});
    return id;
  };
  const edge = (source, target, type, summary) => {
    const id = `${type}:${source}->${target}`;
    const known = edges.get(id);
    if (known) {
      if (summary && !known.data.summary.includes(summary)) known.data.summary += `\n${summary}`;
      return;
    }
    edges.set(id, {group: "edges", data: {id, source, target, type, summary: summary || ""}});
  };
  const party = (code) => node(`party:${code}`, blocs.has(code) ? "Bloc" : "Party", code);
  const instrumentNode = (code, summary) => node(`instrument:${code}`, "Instrument", code, summary);

  for (const fact of facts) {
    const key = fact.key;
    if (fact.kind === "Instrument") instrumentNode(key.code, fact.summary);
    else if (fact.kind === "PartyTo") edge(party(key.party), instrumentNode(key.instrument), "PARTY_TO", fact.summary);
    else if (fact.kind === "MemberOf") {
      const country = node(`party:${key.country}`, "Country", key.country);
      edge(country, party(key.bloc), "MEMBER_OF", fact.summary);
    } else if (fact.kind === "Provision") {
      const [definedBy, ...rest] = key.uid.split(":");
      const provision = node(`provision:${key.uid}`, "Provision", rest.join(":"), fact.summary);
      edge(instrumentNode(definedBy), provision, "HAS_PROVISION", fact.summary);
    } else if (fact.kind === "Psr") {
      const scope = (fact.summary || "").split(":", 1)[0];
      const psr = node(`psr:${key.uid}`, "Psr", `PSR ${scope}`, fact.summary);
      edge(instrumentNode(key.uid.split(":", 1)[0] || instrument), psr, "HAS_PSR", fact.summary);
    } else if (fact.kind === "CorrelatesTo") {
      edge(node(`hs:${key.from}`, "HSCode", key.from), node(`hs:${key.to}`, "HSCode", key.to), "CORRELATES_TO",
        fact.summary);
    }
  }
  return [...nodes.values(), ...edges.values()];
}

export const STYLE = [
  {selector: "node", style: {
    "background-color": "data(colour)", label: "data(label)", color: "#1d2733", "font-size": 11,
    "text-valign": "bottom", "text-margin-y": 4, width: 30, height: 30, "border-width": 1, "border-color": "#ffffff"}},
  {selector: "node[kind = 'Instrument']", style: {width: 44, height: 44, "font-weight": "bold", "font-size": 12}},
  {selector: "edge", style: {
    width: 1.5, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1", "target-arrow-shape": "triangle",
    "curve-style": "bezier", label: "data(type)", "font-size": 8, color: "#52606d", "text-rotation": "autorotate",
    "text-background-color": "#ffffff", "text-background-opacity": 0.8, "text-background-padding": 1}},
  {selector: ":selected", style: {"border-width": 3, "border-color": "#1d2733", "line-color": "#1d2733",
                                  "target-arrow-color": "#1d2733"}},
];

// Draw `facts` in `container`; the fact of a tapped node or edge is shown in `details`.
export function drawTrace(container, details, facts, instrument) {
  const cy = window.cytoscape({
    container, elements: traceElements(facts, instrument), style: STYLE,
    // Concentric by degree: the instrument at the centre, the facts hanging off it around; the same
    // layout on every draw, so a trace always looks the same.
    layout: {name: "concentric", concentric: (n) => n.degree(), levelWidth: () => 2, minNodeSpacing: 40,
             padding: 24, animate: false},
    minZoom: 0.2, maxZoom: 3,
  });
  cy.on("tap", "node, edge", (event) => {
    const data = event.target.data();
    details.replaceChildren(h("strong", {}, data.type || `${data.kind} ${data.label}`),
      list((data.summary || "no fact recorded for it beyond its key").split("\n")));
  });
  return cy;
}

export function traceFactsList(facts) {
  return h("details", {class: "facts-list"}, h("summary", {}, `The ${facts.length} graph facts, as a list`),
    h("ol", {}, facts.map((f) => h("li", {}, h("code", {}, f.kind), " ",
      Object.entries(f.key).map(([k, v]) => `${k}=${v}`).join(", "), f.summary ? ` — ${f.summary}` : ""))));
}
