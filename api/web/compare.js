// The compare panel: candidate shipments in, a ranked table of landed duty with every layer out.

import {h, list, yesNo} from "./view.js";

const FIELDS = [["label", "Label", "MY direct"], ["producer", "Producer", "MY"], ["exporter", "Exporter", ""],
                ["via", "Via", "SG"], ["importer", "Importer", "AU"], ["date", "Date", ""]];

export function candidateRow(values = {}, onRemove) {
  const row = h("tr", {class: "candidate"});
  for (const [name, label, placeholder] of FIELDS) {
    const input = h("input", {name, value: values[name] || "", placeholder,
      type: name === "date" ? "date" : "text", maxlength: name === "label" ? 120 : name === "via" ? 40 : name === "date" ? null : 2,
      autocomplete: "off", "aria-label": label});
    row.append(h("td", {dataset: {label}}, input));
  }
  row.append(h("td", {}, h("button", {type: "button", class: "link remove", "aria-label": "Remove this candidate",
    onclick: () => onRemove(row)}, "remove")));
  return row;
}

// The candidates of the table as POST /v1/shipments/compare takes them (empty fields left out).
export function candidatesOf(tbody) {
  return [...tbody.querySelectorAll("tr.candidate")].map((row) => {
    const value = (name) => row.querySelector(`[name=${name}]`).value.trim();
    const candidate = {importer: value("importer").toUpperCase(), date: value("date")};
    if (value("label")) candidate.label = value("label");
    if (value("producer")) candidate.producer = value("producer").toUpperCase();
    if (value("exporter")) candidate.exporter = value("exporter").toUpperCase();
    const via = value("via").split(/[\s,+]+/).filter(Boolean).map((c) => c.toUpperCase());
    if (via.length) candidate.via = via;
    return candidate;
  });
}

const STATUS = {mfn: "MFN (no preference)", originating: "originating", not_originating: "not originating",
                undetermined: "undetermined"};

export function compareView(result) {
  const best = result.best;
  return h("div", {class: "compare-answer"},
    h("h3", {}, `${result.sku} (${result.hs_version} ${result.hs}): ${result.rows.length} options ranked by landed duty`),
    best ? h("p", {class: "best"}, "Cheapest: ", h("strong", {}, best.label),
      ` under ${best.instrument || "MFN"}, ${best.landed_amount ?? "?"} ${best.currency} (${best.landed_rate ?? "?"}%)`) : null,
    h("div", {class: "table-wrap"}, h("table", {class: "ranked"},
      h("caption", {class: "visually-hidden"}, "Candidate shipments ranked by landed duty"),
      h("thead", {}, h("tr", {}, ["Rank", "Candidate", "Instrument", "Origin", "Landed rate", "Landed duty",
        "Saving vs MFN", "Layers", "Requirements"].map((t) => h("th", {scope: "col"}, t)))),
      h("tbody", {}, result.rows.map(rankedRow)))),
    candidateNotes(result.candidates),
    list(result.notes, (n) => n, {class: "notes"}));
}

function rankedRow(r) {
  return h("tr", {class: `row-${r.status}`, dataset: {rank: String(r.rank)}},
    h("td", {class: "num"}, String(r.rank)),
    h("td", {}, r.label),
    h("td", {}, r.instrument ? h("span", {class: "code"}, r.instrument) : "MFN"),
    h("td", {}, r.status === "mfn" ? STATUS.mfn : r.status === "undetermined" ? yesNo(null) : yesNo(r.originating),
      longText(r.reason)),
    h("td", {class: "num"}, r.landed_rate === null ? "not known" : `${r.landed_rate}%`),
    h("td", {class: "num"}, r.landed_amount === null ? "not known" : `${r.landed_amount} ${r.currency}`,
      r.complete ? null : h("div", {class: "sub"}, "incomplete: a rate is not seeded")),
    h("td", {class: "num"}, r.savings_vs_mfn === null ? "" : `${r.savings_vs_mfn} ${r.currency}`),
    h("td", {}, list(r.layers, (x) => x, {class: "layers"})),
    h("td", {}, list(r.requirements.length ? r.requirements : r.proof_options.map((p) => `proof: ${p}`))));
}

// A reason in full when short; a long one (a PSR's whole wording) folded behind its first words.
function longText(text) {
  if (text.length <= 140) return h("div", {class: "sub"}, text);
  return h("details", {class: "sub"}, h("summary", {}, `${text.slice(0, 100)}…`), text);
}

function candidateNotes(candidates) {
  const notes = candidates.flatMap((c) => [
    ...c.undetermined.map((u) => `${c.label}: not judged under ${u}`),
    ...c.pending.map((p) => `${c.label}: pending ${p}`),
    ...(c.declared_originating_under.length ? [`${c.label}: declared originating under ${c.declared_originating_under.join(", ")}`] : [])]);
  return notes.length ? h("div", {class: "candidate-notes"}, h("h4", {}, "Per candidate"), list(notes)) : null;
}
