// The diff panel: what changes for the BOM between two dates, and why.

import {h, list, yesNo} from "./view.js";

const KIND = {instrument: "Instrument", rule: "Rule", verdict: "Verdict", proof: "Proof of origin",
              pending: "Pending text", duty: "Duty"};

export function diffView(diff) {
  return h("div", {class: "diff-answer"},
    h("h3", {}, `${diff.sku}: ${diff.exporter} → ${diff.importer}, ${diff.date_a} against ${diff.date_b}`),
    diff.changes.length ? h("div", {class: "table-wrap"}, h("table", {class: "changes"},
      h("caption", {class: "visually-hidden"}, "Changes between the two dates"),
      h("thead", {}, h("tr", {}, ["What", "Agreement", diff.date_a, diff.date_b, "Why"].map((t) => h("th", {scope: "col"}, t)))),
      h("tbody", {}, diff.changes.map(changeRow))))
      : h("p", {class: "empty"}, "Nothing changes for this product between the two dates."),
    h("div", {class: "sides"}, side(diff.date_a, diff.a), side(diff.date_b, diff.b)));
}

function changeRow(c) {
  return h("tr", {dataset: {kind: c.kind}},
    h("td", {}, KIND[c.kind] || c.kind),
    h("td", {}, c.agreement),
    h("td", {}, c.before ?? "—"),
    h("td", {}, c.after ?? "—"),
    h("td", {}, h("p", {}, c.summary), list(c.why)));
}

function side(day, report) {
  if (!report) return null;
  return h("div", {class: "side"}, h("h4", {}, `On ${day}`),
    list(report.verdicts, (v) => [h("span", {class: "code"}, v.instrument), " ", yesNo(v.originating), " ", h("code", {}, v.rule)]),
    list(report.undetermined || [], (u) => [h("span", {class: "code"}, u.instrument), " not judged"]),
    report.verdicts.length || (report.undetermined || []).length ? null : h("p", {class: "empty"}, "no instrument binds the pair"));
}
