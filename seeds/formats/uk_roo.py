"""The UK Trade Tariff's open rules-of-origin data (``trade-tariff-backend``, ``lib/rules_of_origin``).

Layout read (one directory):

- ``roo_schemes_uk.json``: ``{"schemes": [{"scheme_code", "title", "validity_start_date",
  "validity_end_date", "unilateral", "countries": [...], "cumulation_methods": {"bilateral":
  {"countries": [...]}, "extended": {...}, ...}, "proofs": [{"summary", "proof_class", ...}],
  "ord": {"ord_title", "ord_version", "ord_date"}, "features", "articles", "links"}, ...]}``
- ``rule_sets/<scheme_code>.json``: ``{"rule_sets": [{"heading": "ex 4819", "chapter": 48,
  "subdivision": "...", "min": "4819000000", "max": "4819999999", "valid": true, "rules": [{"rule":
  markdown text, "class": ["CTH", ...], "operator": null | "or", "quota", "import", "export",
  "footnotes"}]}]}`` — one rule set per commodity-code range (10-digit bounds, inclusive), its
  rules being the alternatives the tariff lists for it.

Errors name the file and the JSON path (``rule_sets[12].min``). The reader (``read_roo_layout``) also
serves the EU-side (XI) data of the same tariff, whose layout differs only in its file names
(``seeds.formats.eu_roo``).

**Rule text to criteria.** Each rule set is compiled by ``seeds.formats.rule_text`` (the rule-text
compiler shared by every importer): its wording and the source's operators become rule syntax only
when the translation is exact; anything else is kept as text, not machine-evaluable, with the
compiler's reason. The class tags are kept on the PSR but never decide the criteria.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.terms.cumulation import CUMULATION_KINDS
from seeds.formats import Problems
from seeds.formats.rule_text import RuleText, compile_rule_set, compile_text, plain_text

SCHEMES_FILE = "roo_schemes_uk.json"
NO_HEADING = "no heading label in the source (its commodity-code range cannot be checked against one)"
BAD_RANGE = "commodity-code range is not two 10-digit codes in the source (a heading list written into min/max)"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TEN = re.compile(r"^\d{10}$")


@dataclass(frozen=True)
class Proof:
    summary: str
    proof_class: str | None
    subtext: str | None


@dataclass(frozen=True)
class Scheme:
    code: str
    title: str
    valid_from: str | None
    valid_until: str | None
    unilateral: bool
    countries: tuple[str, ...]
    cumulation: dict[str, tuple[str, ...]]
    proofs: tuple[Proof, ...]
    ord_title: str | None
    ord_version: str | None
    ord_date: str | None
    articles: dict[str, str]
    features: dict[str, Any]
    links: tuple[str, ...]
    path: str  # JSON path in the schemes file
    notes: str | None = None
    adopted_by_uk: bool | None = None


@dataclass(frozen=True)
class Rule:
    index: int
    text: str  # as written (markdown)
    plain: str  # markdown and HTML stripped, whitespace collapsed
    classes: tuple[str, ...]
    operator: str | None
    quota: bool | None
    footnotes: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    scheme: str
    index: int
    heading: str
    chapter: int | None
    subdivision: str
    min_code: str
    max_code: str
    valid: bool
    rules: tuple[Rule, ...]
    file: str
    defect: str | None = None  # why it cannot be attached (a layout whose data has such rows); a stable phrase

    @property
    def path(self) -> str:
        return f"rule_sets[{self.index}]"


@dataclass(frozen=True)
class Translation:
    """A rule set's criteria (rule syntax) or, when not machine-evaluable, why; per rule outcomes."""

    rule: str | None  # rule syntax when machine-evaluable
    reason: str | None  # why not, for the rule set
    rule_reasons: tuple[str | None, ...]  # per rule: None (structured) or why it is text only
    notes: tuple[str, ...] = ()  # the compiler's notes (introductory-note references, defaults relied on)


@dataclass
class RooData:
    directory: str
    schemes_file: str
    schemes: list[Scheme]
    rule_sets: dict[str, list[RuleSet]] = field(default_factory=dict)
    rule_set_files: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _read_json(path: Path, display: str, problems: Problems) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add(display, getattr(exc, "lineno", None), "", f"not valid JSON: {exc}")
        return None


def _date(value: Any, file: str, at: str, problems: Problems) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    problems.add(file, None, at, f"expected a date written YYYY-MM-DD or null, got {value!r}")
    return None


def _codes(value: Any, file: str, at: str, problems: Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(file, None, at, "expected a list of country or area codes")
        return ()
    return tuple(v.strip() for v in value)


def _scheme(raw: Any, i: int, file: str, problems: Problems) -> Scheme | None:
    at = f"schemes[{i}]"
    if not isinstance(raw, dict):
        problems.add(file, None, at, "expected an object")
        return None
    code = _str(raw.get("scheme_code"))
    if not code or not re.match(r"^[a-z0-9][a-z0-9-]*$", code):
        problems.add(file, None, f"{at}.scheme_code", f"expected a scheme code such as 'japan', got {raw.get('scheme_code')!r}")
        return None
    title = _str(raw.get("title"))
    if not title:
        problems.add(file, None, f"{at}.title", "is empty")
    start = _date(raw.get("validity_start_date"), file, f"{at}.validity_start_date", problems)
    end = _date(raw.get("validity_end_date"), file, f"{at}.validity_end_date", problems)
    if start and end and end < start:
        problems.add(file, None, f"{at}.validity_end_date", f"{end} is before validity_start_date {start}")
    cumulation: dict[str, tuple[str, ...]] = {}
    methods = raw.get("cumulation_methods") or {}
    if not isinstance(methods, dict):
        problems.add(file, None, f"{at}.cumulation_methods", "expected an object of methods")
        methods = {}
    for method, body in methods.items():
        if method not in CUMULATION_KINDS:
            problems.add(file, None, f"{at}.cumulation_methods.{method}",
                         f"unknown cumulation method {method!r}: the engine knows {', '.join(CUMULATION_KINDS)}")
            continue
        if not isinstance(body, dict):
            problems.add(file, None, f"{at}.cumulation_methods.{method}", "expected an object with 'countries'")
            continue
        cumulation[method] = _codes(body.get("countries"), file, f"{at}.cumulation_methods.{method}.countries", problems)
    proofs = []
    for k, p in enumerate(raw.get("proofs") or []):
        if not isinstance(p, dict) or not _str(p.get("summary")):
            problems.add(file, None, f"{at}.proofs[{k}].summary", "expected a proof with a summary")
            continue
        proofs.append(Proof(_str(p["summary"]) or "", _str(p.get("proof_class")), _str(p.get("subtext"))))
    ord_ = raw.get("ord") if isinstance(raw.get("ord"), dict) else {}
    articles = raw.get("articles") if isinstance(raw.get("articles"), dict) else {}
    features = raw.get("features") if isinstance(raw.get("features"), dict) else {}
    links = tuple(link["url"] for link in raw.get("links") or [] if isinstance(link, dict) and _str(link.get("url")))
    adopted = raw.get("adopted_by_uk")
    return Scheme(code, title or code, start, end, bool(raw.get("unilateral")),
                  _codes(raw.get("countries"), file, f"{at}.countries", problems), cumulation, tuple(proofs),
                  _str(ord_.get("ord_title")), _str(ord_.get("ord_version")), _str(ord_.get("ord_date")),
                  {str(k): str(v) for k, v in articles.items()}, features, links, at, _str(raw.get("notes")),
                  adopted if isinstance(adopted, bool) else None)


def _rule_set(raw: Any, scheme: str, i: int, file: str, problems: Problems, ranges_may_be_text: bool
              ) -> RuleSet | None:
    """One rule set; with ``ranges_may_be_text`` an empty heading label or a min/max string that is no
    10-digit code is kept as the rule set's ``defect`` (reported, not an error), for data known to carry
    such rows."""
    at = f"rule_sets[{i}]"
    if not isinstance(raw, dict):
        problems.add(file, None, at, "expected an object")
        return None
    ok = True
    defect = None
    heading = raw.get("heading")
    if ranges_may_be_text and heading == "":
        defect = NO_HEADING
    elif not isinstance(heading, str) or not heading.strip():
        problems.add(file, None, f"{at}.heading", f"expected the heading label, got {heading!r}")
        ok = False
    bounds = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if ranges_may_be_text and isinstance(value, str) and not _TEN.match(value):
            defect = defect or BAD_RANGE
        elif not isinstance(value, str) or not _TEN.match(value):
            problems.add(file, None, f"{at}.{key}", f"expected a 10-digit commodity code, got {value!r}")
            ok = False
        bounds[key] = value
    if ok and not defect and bounds["min"] > bounds["max"]:
        problems.add(file, None, f"{at}.max", f"{bounds['max']} is below min {bounds['min']}")
        ok = False
    valid = raw.get("valid", True)
    if not isinstance(valid, bool):
        problems.add(file, None, f"{at}.valid", f"expected true or false, got {valid!r}")
        ok = False
    chapter = raw.get("chapter")
    if chapter is not None and not isinstance(chapter, int):
        problems.add(file, None, f"{at}.chapter", f"expected a chapter number, got {chapter!r}")
        ok = False
    rules_raw = raw.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw:
        problems.add(file, None, f"{at}.rules", "expected a non-empty list of rules")
        return None
    rules = []
    for k, r in enumerate(rules_raw):
        rat = f"{at}.rules[{k}]"
        if not isinstance(r, dict):
            problems.add(file, None, rat, "expected an object")
            ok = False
            continue
        text = r.get("rule")
        if not isinstance(text, str):
            problems.add(file, None, f"{rat}.rule", f"expected the rule text, got {text!r}")
            ok = False
            continue
        classes = r.get("class", [])
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            problems.add(file, None, f"{rat}.class", f"expected a list of class tags, got {classes!r}")
            ok = False
            continue
        operator = r.get("operator")
        if operator not in (None, "or", "and"):
            problems.add(file, None, f"{rat}.operator", f"expected null, 'or' or 'and', got {operator!r}")
            ok = False
            continue
        notes = r.get("footnotes") or []
        footnotes = tuple(n if isinstance(n, str) else json.dumps(n) for n in notes) if isinstance(notes, list) else ()
        rules.append(Rule(k, text, plain_text(text), tuple(c.strip() for c in classes), operator,
                          r.get("quota") if isinstance(r.get("quota"), bool) else None, footnotes))
    if not ok:
        return None
    return RuleSet(scheme, i, heading.strip(), chapter, (raw.get("subdivision") or "").strip()
                   if isinstance(raw.get("subdivision"), str) else "", bounds["min"], bounds["max"], valid,
                   tuple(rules), file, defect)


def read_uk_roo(directory: Path, display: str | None = None) -> RooData:
    """Read ``roo_schemes_uk.json`` and every ``rule_sets/*.json`` under ``directory``."""
    return read_roo_layout(directory, SCHEMES_FILE, "rule_sets", "the trade-tariff-backend lib/rules_of_origin layout",
                           display)


def read_roo_layout(directory: Path, schemes_file: str, rule_sets_dir: str, layout: str, display: str | None = None,
                    ranges_may_be_text: bool = False) -> RooData:
    """Read ``schemes_file`` and every ``<rule_sets_dir>/<scheme>.json`` under ``directory``; every
    problem in any of them is reported at once (``FormatError``)."""
    problems = Problems()
    root = display or str(directory)
    schemes_path = directory / schemes_file
    schemes_name = f"{root.rstrip('/')}/{schemes_file}"
    if not schemes_path.is_file():
        problems.add(schemes_name, None, "", f"no {schemes_file} in {root} ({layout})")
        problems.check()
    raw = _read_json(schemes_path, schemes_name, problems)
    problems.check()
    if not isinstance(raw, dict) or not isinstance(raw.get("schemes"), list):
        problems.add(schemes_name, None, "schemes", "expected an object with a 'schemes' list")
        problems.check()
    schemes = [s for i, item in enumerate(raw["schemes"]) if (s := _scheme(item, i, schemes_name, problems))]
    seen: dict[str, str] = {}
    for s in schemes:
        if s.code in seen:
            problems.add(schemes_name, None, f"{s.path}.scheme_code", f"duplicate scheme {s.code!r} (also {seen[s.code]})")
        seen[s.code] = s.path
    data = RooData(root, schemes_name, schemes)
    for path in sorted((directory / rule_sets_dir).glob("*.json")):
        name = f"{root.rstrip('/')}/{rule_sets_dir}/{path.name}"
        body = _read_json(path, name, problems)
        if body is None:
            continue
        if not isinstance(body, dict) or not isinstance(body.get("rule_sets"), list):
            problems.add(name, None, "rule_sets", "expected an object with a 'rule_sets' list")
            continue
        scheme = path.stem
        data.rule_set_files[scheme] = name
        data.rule_sets[scheme] = [rs for i, r in enumerate(body["rule_sets"])
                                  if (rs := _rule_set(r, scheme, i, name, problems, ranges_may_be_text))]
    problems.check()
    return data


# --------------------------------------------------------------------------- criteria


def translate_text(plain: str) -> str | None:
    """Rule syntax for one rule's text when the compiler translates it exactly; else None."""
    return compile_text(plain).rule


def translate(rule_set: RuleSet) -> Translation:
    """The rule set's criteria (``rule_text.compile_rule_set``); per rule, why it is text when it is."""
    compiled = compile_rule_set([RuleText(r.text, r.operator, r.classes) for r in rule_set.rules])
    if compiled.rule is not None:
        return Translation(compiled.rule, None, tuple(None for _ in rule_set.rules), compiled.notes)
    per_rule = []
    for r in rule_set.rules:
        own = compile_text(r.text)
        per_rule.append(own.reason if own.rule is None else f"rule set: {compiled.reason}")
    return Translation(None, compiled.reason, tuple(per_rule), compiled.notes)
