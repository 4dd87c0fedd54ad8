// Calls to the public HTTP API and its RFC 9457 problems, shown as the API words them.

import {h, list} from "./view.js";

export const CONTENT_TYPES = {yaml: "application/yaml", json: "application/json", csv: "text/csv"};

export async function call(method, path, {query = {}, body, type} = {}) {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v !== null && v !== undefined));
  const url = params.toString() ? `${path}?${params}` : path;
  const init = {method, headers: {Accept: "application/json, application/problem+json"}};
  if (body !== undefined) {
    init.body = body;
    init.headers["Content-Type"] = type;
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return {ok: false, status: 0, request: {method, url, type},
            data: {title: "The server cannot be reached", detail: String(error), errors: []}};
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = {title: `HTTP ${response.status}`, detail: text.slice(0, 500), errors: []};
  }
  return {ok: response.ok, status: response.status, data, request: {method, url, type}};
}

// A problem answer: its title and detail, and each error with the field and (for a BOM) the line.
// `onLine(line)` makes each line a button that shows it in the BOM editor.
export function problem(answer, onLine) {
  const data = answer.data || {};
  return h("div", {class: "problem", role: "alert"},
    h("p", {class: "problem-title"}, h("strong", {}, data.title || `HTTP ${answer.status}`),
      answer.status ? ` (${answer.status})` : null),
    data.detail ? h("p", {}, data.detail) : null,
    list(data.errors || [], (e) => [
      e.line && onLine ? h("button", {type: "button", class: "link line", onclick: () => onLine(e.line)}, `line ${e.line}`)
        : e.line ? `line ${e.line}` : null,
      e.line ? ": " : null,
      e.field ? h("code", {}, e.field) : null, e.field ? ": " : null, e.message]));
}

// The format of a BOM document: as chosen, else from the file name, else from the text itself.
export function bomFormat(text, chosen, fileName) {
  if (chosen && chosen !== "auto") return chosen;
  const suffix = (fileName || "").toLowerCase().split(".").pop();
  if (suffix === "csv") return "csv";
  if (suffix === "json") return "json";
  if (suffix === "yaml" || suffix === "yml") return "yaml";
  const start = text.trimStart();
  if (start.startsWith("{") || start.startsWith("[")) return "json";
  // A YAML document may open with comments; a CSV export opens with its header row (no "key: value").
  const first = start.split("\n", 1)[0];
  return !first.startsWith("#") && first.includes(",") && !/:\s/.test(first) ? "csv" : "yaml";
}
