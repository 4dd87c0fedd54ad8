// Sourcing advice beside a verdict that does not originate: the smallest changes that would make the BOM
// originate, ranked by the value that has to move, each with the changed BOM to load and re-evaluate.

import {definitions, h, list} from "./view.js";

// `onLoad(bom)` loads a suggestion's changed BOM document into the editor and evaluates it.
export function adviceView(advice, onLoad) {
  const suggestions = advice.suggestions || [];
  return h("div", {class: "advice-answer"},
    h("h5", {}, suggestions.length
      ? `${suggestions.length} way${suggestions.length === 1 ? "" : "s"} to originate under ${advice.instrument}, smallest change first`
      : `No change found that would make it originate under ${advice.instrument}`),
    list(advice.notes || advice.reasons || [], (n) => n, {class: "notes"}),
    h("ol", {class: "suggestions"}, suggestions.map((s, i) => h("li", {class: "suggestion", dataset: {kind: s.kind || ""}},
      h("p", {}, h("strong", {}, s.summary || s.title || s.kind || `Suggestion ${i + 1}`)),
      definitions([
        ["Kind", s.kind ? s.kind.replaceAll("_", " ") : null],
        ["Value to move", s.value_to_move ?? s.value ?? null],
        ["Materials", s.materials && s.materials.length ? s.materials.join(", ") : null],
        ["Provision that counts it", s.provision || null],
        ["Gap", s.gap ?? null],
        ["Promised verdict", s.promised ? s.promised : s.passed_by ? `originating, met by ${s.passed_by}` : null],
      ]),
      list(s.steps || s.changes || s.why || [], (x) => (typeof x === "string" ? x : JSON.stringify(x))),
      s.bom ? h("button", {type: "button", class: "load-bom", onclick: () => onLoad(s.bom)},
        "Load this BOM and re-evaluate") : null))));
}
