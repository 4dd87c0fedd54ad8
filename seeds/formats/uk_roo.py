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

Errors name the file and the JSON path (``rule_sets[12].min``).

**Class tags to criteria.** The tags say what kind of rule it is, not its numbers or exceptions, so
a rule becomes structured criteria (``engine.criteria`` syntax) only when its text is one of the
fixed wordings below, read in full; anything else is kept as text, not machine-evaluable, with the
reason. Nothing is guessed: a threshold, method or exception comes from the text or the rule stays
text.

| wording (after markdown is stripped) | criteria |
|---|---|
| Manufacture in which the value of all the materials used does not exceed N% of the ex-works price of the product | ``MaxNOM(N)`` |
| A maximum of N% of the ex-works price (EXW) is made up of non-originating parts (MAXNOM) / The maximum value of non-originating materials (MaxNOM) cannot exceed N% of the ex-works price (EXW) of the good | ``MaxNOM(N)`` |
| Manufacture from materials of any heading, except that of the product / ... classified within a heading other than that of the product | ``CTH`` |
| CC / CTH / CTSH: All non-originating materials ... change in tariff classification at the 2/4/6-digit level [except from <codes>] | ``CC`` / ``CTH`` / ``CTSH`` [``except ...``] |
| A change [to a good of <codes>] from any other chapter / heading / subheading [, except from <codes>] | ``CC`` / ``CTH`` / ``CTSH`` [``except ...``] |
| Manufacture: from materials of any heading, except that of the product, and in which the value of all the materials used does not exceed N% ... (and the "classified within a heading other than" form) | ``CTH & MaxNOM(N)`` |
| The good has a Regional Value Content (RVC) ... of not less than N%, whether using the build-up method or build-down method | ``RVC(N, build-down) \\| RVC(N, build-up)`` |
| All goods must be wholly obtained / The good is wholly obtained | ``WO`` |

(In these lists "materials" means non-originating materials, as their introductory notes say.)
A rule set's rules are alternatives only when each one after the first says ``"operator": "or"``;
a rule set whose later rules carry no operator is kept as text (how they combine is not stated).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.criteria import RuleSyntaxError, parse_rule, render_rule
from seeds.formats import Problems

SCHEMES_FILE = "roo_schemes_uk.json"
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

    @property
    def path(self) -> str:
        return f"rule_sets[{self.index}]"


@dataclass(frozen=True)
class Translation:
    """A rule set's criteria (rule syntax) or, when not machine-evaluable, why; per rule outcomes."""

    rule: str | None  # rule syntax when machine-evaluable
    reason: str | None  # why not, for the rule set
    rule_reasons: tuple[str | None, ...]  # per rule: None (structured) or why it is text only


@dataclass
class UkRooData:
    directory: str
    schemes_file: str
    schemes: list[Scheme]
    rule_sets: dict[str, list[RuleSet]] = field(default_factory=dict)
    rule_set_files: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- text


def plain_text(markdown: str) -> str:
    """Rule text without markdown links, emphasis, HTML tags or entities; one line."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    t = re.sub(r"<abbr[^>]*>(.*?)</abbr>", r"\1", t, flags=re.S)
    t = re.sub(r"<[^>]+>", "", t)
    t = html.unescape(t).replace("\u00a0", " ")
    for dash in ("\u2010", "\u2011", "\u2012", "\u2013"):
        t = t.replace(dash, "-")
    t = t.replace("**", "").replace("*", "")
    return re.sub(r"\s+", " ", t).strip()


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
    return Scheme(code, title or code, start, end, bool(raw.get("unilateral")),
                  _codes(raw.get("countries"), file, f"{at}.countries", problems), cumulation, tuple(proofs),
                  _str(ord_.get("ord_title")), _str(ord_.get("ord_version")), _str(ord_.get("ord_date")),
                  {str(k): str(v) for k, v in articles.items()}, features, links, at)


def _rule_set(raw: Any, scheme: str, i: int, file: str, problems: Problems) -> RuleSet | None:
    at = f"rule_sets[{i}]"
    if not isinstance(raw, dict):
        problems.add(file, None, at, "expected an object")
        return None
    ok = True
    heading = raw.get("heading")
    if not isinstance(heading, str) or not heading.strip():
        problems.add(file, None, f"{at}.heading", f"expected the heading label, got {heading!r}")
        ok = False
    bounds = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if not isinstance(value, str) or not _TEN.match(value):
            problems.add(file, None, f"{at}.{key}", f"expected a 10-digit commodity code, got {value!r}")
            ok = False
        bounds[key] = value
    if ok and bounds["min"] > bounds["max"]:
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
                   tuple(rules), file)


def read_uk_roo(directory: Path, display: str | None = None) -> UkRooData:
    """Read ``roo_schemes_uk.json`` and every ``rule_sets/*.json`` under ``directory``."""
    problems = Problems()
    root = display or str(directory)
    schemes_path = directory / SCHEMES_FILE
    schemes_name = f"{root.rstrip('/')}/{SCHEMES_FILE}"
    if not schemes_path.is_file():
        problems.add(schemes_name, None, "", f"no {SCHEMES_FILE} in {root} (the trade-tariff-backend "
                                              "lib/rules_of_origin layout)")
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
    data = UkRooData(root, schemes_name, schemes)
    for path in sorted((directory / "rule_sets").glob("*.json")):
        name = f"{root.rstrip('/')}/rule_sets/{path.name}"
        body = _read_json(path, name, problems)
        if body is None:
            continue
        if not isinstance(body, dict) or not isinstance(body.get("rule_sets"), list):
            problems.add(name, None, "rule_sets", "expected an object with a 'rule_sets' list")
            continue
        scheme = path.stem
        data.rule_set_files[scheme] = name
        data.rule_sets[scheme] = [rs for i, r in enumerate(body["rule_sets"])
                                  if (rs := _rule_set(r, scheme, i, name, problems))]
    problems.check()
    return data


# --------------------------------------------------------------------------- class tags -> criteria

_N = r"(\d+(?:\.\d+)?)"
_EXW = r"ex-? ?works? price(?: \(EXW\))? of the (?:product|products|good)"
_CODE = r"\d[\d.]*"
_LEVEL_WORDS = {"chapter": "CC", "heading": "CTH", "tariff heading": "CTH", "subheading": "CTSH"}
_DIGITS_LEVEL = {"2": "CC", "4": "CTH", "6": "CTSH"}

_MAXNOM = [
    re.compile(rf"^Manufacture in which the value of all the materials used does not exceed {_N}% of the {_EXW}\.?$"),
    re.compile(rf"^A maximum of {_N}% of the ex-works price \(EXW\) is made up of non-originating parts \(MAXNOM\)\.?$"),
    re.compile(rf"^The maximum value of non-originating materials \(MaxNOM\) cannot exceed {_N}% of the {_EXW}\.?$"),
]
_CTH = [
    re.compile(r"^Manufacture from materials of any heading, except that of the (?:product|good)\.?$"),
    re.compile(r"^Manufacture in which all the materials used are classified within a heading other than that of "
               r"the (?:product|good)\.?$"),
]
_CTH_MAXNOM = [
    re.compile(rf"^Manufacture: - from materials of any heading, except that of the product,? and - in which the value "
               rf"of all the materials used does not exceed {_N}% of the {_EXW}\.?$"),
    re.compile(rf"^Manufacture in which: - all the materials used are classified within a heading other than that of "
               rf"the product,?(?: and)? - the value of all the materials used does not exceed {_N}% of the {_EXW}\.?$"),
]
_NZ_CTC = re.compile(r"^(CC|CTH|CTSH): All non-originating materials used in the production of the good have undergone "
                     r"a change in tariff classification at the (\d)-digit level \((chapter|tariff heading|subheading)\)"
                     r"(?: except from (.+?))?\.?$")
_CHANGE = re.compile(rf"^A change (?:to (?:a good of |an? )?(?:goods? of )?(?:chapter|heading|subheading)s? {_CODE}"
                     rf"(?:(?: through| to|-| or| and|,) (?:(?:chapter|heading|subheading) )?{_CODE})* )?"
                     r"from any other (chapter|heading|subheading)(?:,? except from (.+?))?\.?$")
_RVC_EITHER = re.compile(rf"^The good has a Regional Value Content \(RVC\) as calculated under Article \d+ of the Origin "
                         rf"Reference Document of not less than {_N}%, whether using the build-up method or build-down "
                         r"method \(RVC(\d+(?:\.\d+)?)\)\.?$")
_WO = [re.compile(r"^All goods must be wholly obtained\.?$"), re.compile(r"^The good is wholly obtained\.?$")]

_ITEM = re.compile(rf"^(?:(chapter|heading|subheading)s? )?({_CODE})(?: (?:to|through|-) (?:(chapter|heading|subheading) )?({_CODE}))?$")


def _hs(code: str, word: str | None) -> str | None:
    digits = code.replace(".", "")
    if word == "chapter" and len(digits) == 1:
        digits = "0" + digits
    return digits if digits.isdigit() and len(digits) in (2, 4, 6) else None


def _exceptions(text: str) -> list[str] | None:
    """``heading 7213 to heading 7217, heading 7221 and 72.29`` -> ['7213-7217', '7221', '7229']; None if not that form."""
    text = re.sub(r"^non-originating materials of ", "", text.strip())
    parts = re.split(r", and |, or |, | and | or ", text)
    out = []
    last_word: str | None = None
    for part in parts:
        m = _ITEM.match(part.strip())
        if not m:
            return None
        word = m.group(1) or last_word
        last_word = word
        lo = _hs(m.group(2), word)
        if lo is None:
            return None
        if m.group(4):
            hi = _hs(m.group(4), m.group(3) or word)
            if hi is None or len(hi) != len(lo) or int(hi) < int(lo):
                return None
            out.append(f"{lo}-{hi}")
        else:
            out.append(lo)
    return out or None


def _ctc(keyword: str, exceptions: str | None) -> str | None:
    if not exceptions:
        return keyword
    codes = _exceptions(exceptions)
    return f"{keyword} except {', '.join(codes)}" if codes else None


def _percent(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def translate_text(plain: str) -> str | None:
    """Rule syntax for one rule's text when it is one of the fixed wordings; else None."""
    for p in _MAXNOM:
        if m := p.match(plain):
            return f"MaxNOM({_percent(m.group(1))})"
    for p in _CTH:
        if p.match(plain):
            return "CTH"
    for p in _CTH_MAXNOM:
        if m := p.match(plain):
            return f"CTH & MaxNOM({_percent(m.group(1))})"
    if m := _NZ_CTC.match(plain):
        keyword, digits, word = m.group(1), m.group(2), m.group(3)
        if _DIGITS_LEVEL.get(digits) != keyword or _LEVEL_WORDS[word] != keyword:
            return None
        return _ctc(keyword, m.group(4))
    if m := _CHANGE.match(plain):
        return _ctc(_LEVEL_WORDS[m.group(1)], m.group(2))
    if m := _RVC_EITHER.match(plain):
        if _percent(m.group(1)) != _percent(m.group(2)):
            return None
        n = _percent(m.group(1))
        return f"RVC({n}, build-down) | RVC({n}, build-up)"
    for p in _WO:
        if p.match(plain):
            return "WO"
    return None


# why a rule stays text: by class tag first (the tag names what the rule syntax cannot say), then by wording
_TOLERANCE = "rule with a value tolerance or restriction clause (no rule-syntax equivalent)"
_TAG_REASONS: list[tuple[Any, str]] = [
    (lambda t: "TOLERANCE" in t or "RESTRICTION" in t, _TOLERANCE),
    (lambda t: t in ("MAXNOM_OM", "MAXNOM-OM"),
     "MaxNOM with non-originating not exceeding originating materials (no rule-syntax equivalent)"),
    (lambda t: "MAXWEIGHT" in t, "limit on the weight of non-originating materials (no rule-syntax equivalent)"),
    (lambda t: t.startswith("MINOM") or "MINOP" in t, "minimum originating content (no rule-syntax equivalent)"),
    (lambda t: t.startswith("ORIG"), "named materials must be originating (no rule-syntax equivalent)"),
    (lambda t: "PRODUCTION FROM" in t, "manufacture from named materials (PRODUCTION FROM; no rule-syntax equivalent)"),
    (lambda t: "PROCESSING" in t, "a processing operation described in prose (no named process in the rule syntax)"),
    (lambda t: t.startswith("AH"),
     "manufacture from materials of any heading, with named exceptions or inclusions (no rule-syntax equivalent)"),
    (lambda t: t.startswith("SET"), "rule for sets (no rule-syntax equivalent)"),
]
_PLAIN_REASONS = {
    "WO": "wholly obtained required of named materials, not of the product (not translated)",
    "MAXNOM": "value limit on named materials or with a further condition (wording not in a translated form)",
    "CTH": "change of heading with a condition or exception in prose (wording not in a translated form)",
    "CTSH": "change of subheading with a condition or exception in prose (wording not in a translated form)",
    "CC": "change of chapter with a condition or exception in prose (wording not in a translated form)",
    "RVC": "regional value content whose method or basis is not stated in a translated form",
}


def _reason(rule: Rule) -> str:
    if not rule.plain:
        return "empty rule text in the source"
    tags = [c.upper() for c in rule.classes]
    for test, reason in _TAG_REASONS:
        if any(test(t) for t in tags):
            return reason
    if re.match(r"^- ?[a-z]\)", rule.plain):
        return "one part of a multi-part rule split over several entries (how the parts combine is not stated)"
    for t in tags:
        if t in _PLAIN_REASONS:
            return _PLAIN_REASONS[t]
    if not tags:
        return "no class tags, and the wording is not in a translated form"
    return f"class {', '.join(rule.classes)} with wording not in a translated form"


def translate(rule_set: RuleSet) -> Translation:
    """The rule set's criteria when every rule translates and they are stated alternatives."""
    rules = rule_set.rules
    texts = [translate_text(r.plain) for r in rules]
    own = [None if t else _reason(r) for t, r in zip(texts, rules)]
    if len(rules) > 1 and any(r.operator != "or" for r in rules[1:]):
        why = ("its rules are listed without a stated operator between them"
               if any(r.operator is None for r in rules[1:]) else "its rules are joined by 'and' in prose")
        return Translation(None, f"rule set: {why}", tuple(o or f"rule set: {why}" for o in own))
    if any(own):
        first = next(o for o in own if o)
        sibling = "an alternative in the same rule set is text only"
        return Translation(None, first, tuple(o or sibling for o in own))
    combined = " | ".join(f"({t})" if "|" in t and len(texts) > 1 else t for t in texts if t)
    try:
        rule = render_rule(parse_rule(combined))
    except (RuleSyntaxError, ValueError) as exc:
        reason = f"translated rule does not parse: {exc}"
        return Translation(None, reason, tuple(reason for _ in rules))
    return Translation(rule, None, tuple(None for _ in rules))
