// Building the page's elements from API answers: one element builder (text is always set as text, never
// parsed as HTML) and the words the page uses for the API's codes.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

export function list(items, render = (x) => x, attrs = {}) {
  return items && items.length ? h("ul", attrs, items.map((item) => h("li", {}, render(item)))) : null;
}

export function replace(target, ...children) {
  target.replaceChildren();
  append(target, children);
}

// rule_status of a rules answer or a verdict, in a planner's words.
export const RULE_STATUS = {
  psr: ["product-specific rule", "the rule the instrument's annex gives for this code"],
  general_rule: ["general rule", "the annex gives no rule for this code, so the instrument's general rule applies"],
  annex_not_loaded: ["provisional", "this instrument's annex for the HS edition is not loaded: the general rule is shown until it is"],
  text_only: ["text only", "the rule exists only as text that cannot be checked automatically: no verdict"],
  no_rule: ["no rule recorded", "neither a product-specific rule nor a general rule is recorded: no verdict"],
};

export function ruleStatus(status, reason) {
  if (!status) return null;
  const [word, meaning] = RULE_STATUS[status] || [status, ""];
  return h("span", {class: `status status-${status}`, title: reason || meaning, dataset: {ruleStatus: status}},
    word, h("span", {class: "status-meaning"}, ` (${meaning})`));
}

export function yesNo(value, yes = "originating", no = "not originating") {
  if (value === null || value === undefined) return h("span", {class: "badge badge-undetermined"}, "undetermined");
  return h("span", {class: `badge ${value ? "badge-yes" : "badge-no"}`}, value ? yes : no);
}

export function definitions(pairs) {
  const rows = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "");
  return rows.length ? h("dl", {class: "facts"}, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])) : null;
}

// The request behind an answer and its JSON, so whatever the page shows can be had from the API.
export function rawAnswer(request, data) {
  return h("details", {class: "raw"},
    h("summary", {}, "Request and JSON answer"),
    h("p", {}, h("code", {}, `${request.method} ${request.url}`),
      request.type ? [" with ", h("code", {}, `Content-Type: ${request.type}`)] : null),
    h("pre", {}, JSON.stringify(data, null, 2)));
}
