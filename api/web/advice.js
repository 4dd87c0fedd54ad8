// Sourcing advice beside a verdict that does not originate (POST /v1/origin/advice): what each failing part
// of the rule needs, and the smallest changes that would make the BOM originate, ranked by the value that
// has to move; each suggestion carries the whole changed BOM, to load and re-evaluate.

import {h, list} from "./view.js";

const HEADLINE = {
  originating: "It already originates: no change is needed.",
  no_fix: "No change of sourcing makes it originate.",
  undetermined: "No advice: the rule cannot be checked automatically.",
  not_binding: "No advice: the instrument does not bind this lane on this date.",
};

// `onLoad(bom)` loads a suggestion's changed BOM document into the editor and evaluates it.
export function adviceView(advice, onLoad) {
  const suggestions = advice.suggestions || [];
  return h("div", {class: "advice-answer", dataset: {status: advice.status}},
    h("h5", {}, advice.status === "suggestions"
      ? `${suggestions.length} way${suggestions.length === 1 ? "" : "s"} to originate under ${advice.instrument}, least value to move first`
      : HEADLINE[advice.status] || advice.status),
    advice.status === "suggestions" ? null : h("p", {class: "sub"}, advice.reason),
    advice.provisional ? h("p", {class: "sub"}, `Provisional: ${advice.provisional_reason}`) : null,
    gaps(advice.gaps || []),
    suggestions.length ? h("ol", {class: "suggestions"}, suggestions.map((s) => suggestion(s, onLoad))) : null,
    advice.exhaustive ? null : h("p", {class: "sub"}, `Search stopped after ${advice.evaluated} evaluations: smaller changes may exist.`));
}

function gaps(items) {
  if (!items.length) return null;
  return [h("p", {class: "gaps-title"}, "What the failing parts of the rule need:"),
    list(items, (g) => [h("code", {}, g.text), `: ${g.reason}`,
      g.amount !== null && g.amount !== undefined ? h("strong", {}, ` — at least ${g.amount} ${g.unit || ""} has to become originating`) : null,
      g.blocking && g.blocking.length ? ` — blocking: ${g.blocking.join(", ")}` : null,
      g.tolerance_would_cover && g.tolerance_would_cover.length
        ? ` — tolerance (${g.tolerance_used ?? 0} of ${g.tolerance_limit}) could cover ${g.tolerance_would_cover.join(", ")}` : null],
      {class: "gaps"})];
}

function suggestion(s, onLoad) {
  return h("li", {class: "suggestion", dataset: {rank: String(s.rank)}},
    h("p", {}, h("strong", {}, s.summary)),
    h("p", {class: "sub"}, `${s.value_moved} ${s.currency} moves to originating; the changed BOM meets `,
      h("code", {}, s.passed_by), ` (RVC ${s.rvc_build_down_pct}%, non-originating ${s.nom_pct}%)`),
    s.changes.length > 1 ? list(s.changes, (c) => c.description) : null,
    h("button", {type: "button", class: "load-bom", onclick: () => onLoad(s.bom)}, "Load this BOM and re-evaluate"));
}
