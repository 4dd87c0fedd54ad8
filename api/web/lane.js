// The lane panel: instruments in force for the pair on the date (with the texts each supersedes, which
// keep running for pairs the newer text does not bind yet), provisions, each instrument's rule and
// its rule_status, and the texts still pending for the pair.

import {definitions, h, list, ruleStatus} from "./view.js";

export function laneAnswer(answer) {
  const lane = `${answer.exporter} → ${answer.importer} on ${answer.date}`;
  const product = answer.hs ? ` for ${answer.hs_version} ${answer.hs}` : "";
  return h("div", {class: "lane-answer"},
    h("h3", {}, `${answer.instruments.length} instrument${answer.instruments.length === 1 ? "" : "s"} apply: ${lane}${product}`),
    answer.instruments.length ? h("div", {class: "cards"}, answer.instruments.map(instrumentCard))
      : h("p", {class: "empty"}, "No instrument binds this pair on this date: trade is on MFN terms."),
    pending(answer.pending || []));
}

function instrumentCard(item) {
  const psr = item.psr;
  return h("article", {class: "card instrument", dataset: {instrument: item.instrument}},
    h("h4", {}, h("span", {class: "code"}, item.instrument), " ", item.title),
    definitions([
      ["Agreement", item.agreement],
      ["In force for the pair from", item.in_force_for_pair_from || "date not recorded"],
      ["Dual running", item.supersedes && item.supersedes.length
        ? `supersedes ${item.supersedes.join(", ")} for this pair; ${item.supersedes.length === 1 ? "that text keeps" : "those texts keep"} running for pairs ${item.instrument} does not bind yet`
        : null],
      ["Rule", psr ? ruleText(psr) : null],
      ["Rule status", ruleStatus(item.rule_status, item.rule_status_reason)],
    ]),
    psr ? psrDetails(psr, item) : null,
    item.provisions && item.provisions.length ? h("details", {class: "provisions"},
      h("summary", {}, `Provisions (${item.provisions.filter((p) => p.applies).length} of ${item.provisions.length} apply to the pair)`),
      list(item.provisions, (p) => [
        h("span", {class: p.applies ? "ok" : "no"}, p.applies ? "applies" : "does not apply"), " ",
        h("code", {}, p.key), `: ${p.title || ""}`, p.article ? ` (${p.article})` : null,
        p.defined_by !== item.instrument ? ` — defined by ${p.defined_by}` : null,
        h("span", {class: "reason"}, ` — ${p.reason}`)])) : null,
    h("details", {class: "why"}, h("summary", {}, "Why it applies"), list(item.explanation)));
}

function ruleText(psr) {
  if (!psr.rule) return h("span", {class: "empty"}, "none recorded");
  return h("span", {}, h("code", {class: "rule"}, psr.rule),
    psr.general_rule ? " (general rule)" : psr.match ? ` (PSR for ${psr.match.psr.scope}${psr.match.ex ? ", ex entry" : ""})` : null);
}

function psrDetails(psr, item) {
  const notes = [...(psr.notes || [])];
  if (psr.status_reason && !notes.includes(psr.status_reason)) notes.unshift(psr.status_reason);
  return h("details", {class: "psr"}, h("summary", {}, "About this rule"),
    definitions([
      ["Schedule written in", psr.schedule_version ? `${psr.schedule_version}${psr.schedule_defined_by && psr.schedule_defined_by !== item.instrument ? ` (set by ${psr.schedule_defined_by})` : ""}` : null],
      ["Code mapped", psr.lineage ? `${psr.hs_version} ${psr.code} → ${(psr.lineage.targets || []).join(", ")}${psr.ambiguous ? " (ambiguous: not guessed)" : ""}` : null],
      ["Provisional", psr.provisional ? "yes: shown until the annex is loaded" : null],
      ["Alternatives", psr.alternatives && psr.alternatives.length ? list(psr.alternatives, (a) => `${a.psr.scope}: ${a.psr.rule}${a.ex ? " (ex entry)" : ""}`) : null],
    ]),
    list(notes, (n) => n, {class: "notes"}));
}

function pending(items) {
  if (!items.length) return h("p", {class: "pending-none"}, "No text is pending for this pair.");
  return h("div", {class: "pending"}, h("h4", {}, "Pending texts (signed, not binding the pair yet)"),
    list(items, (p) => [h("span", {class: "code"}, p.instrument), ` ${p.title} (${p.status})`,
      p.expected ? ` — expected ${p.expected}` : null,
      list(p.missing, (m) => `missing: ${m}`)]));
}
