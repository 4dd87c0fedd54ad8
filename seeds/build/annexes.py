"""PSR annex seeds: EU-Japan EPA Annex 3-B and the CPTPP PSR annex, from their public transcriptions.

Inputs (eval-data layout, each cited with its commit from ``MANIFEST_raw_files.csv``):

- ``roo/ott_prototype_xi/psr_new/japan.json``: the EU-side transcription of EU-Japan EPA Annex 3-B
  (UK Trade Tariff OTT prototype, XI data, Nov 2023). Its heading labels are HS2017: it writes
  codes new in HS2017 (9620, 2923.30, 3824.91) and none new in HS2022.
- ``roo/uk_trade_tariff_backend/rule_sets/japan.json``: the UK-Japan CEPA rules, whose annex
  follows the EU-Japan text; used only to check the EU-side file line by line (it is written on
  HS2022 labels: 0309, 2404, 8549 appear).
- ``roo/uk_trade_tariff_backend/rule_sets/cptpp.json``: the UK's CPTPP rule set. Its heading
  labels are HS2012: 25 of its codes exist only in HS2012 (0306.21, 8469, 2848, 8701.90, ...),
  27 only up to HS2017, and none is new in HS2017 or HS2022.

Each annex line becomes one PSR row per scope: a label ``01.01-01.06`` is expanded into the
headings of the edition in that range (``0101`` ... ``0106``), a subheading range into subheadings,
``Chapter 3`` into the chapter. A line whose subdivision names part of its scope (``Atlantic
Bluefin tuna``) is an ``ex`` entry; its sibling ``Others`` takes the whole scope. Where several
parts of one scope carry different rules, they are kept together as one text-only ``ex`` row.

Rule texts go through the rule-text compiler (``seeds.formats.rule_text.compile_rule_set``); a
line it cannot translate exactly, or any line when the compiler is not available, stays text only
with the reason.

**Cross-check.** Every EU-side line is compared with the UK-side line(s) covering the same codes
and the same subdivision, on what the rule says (kind of change, percentages, codes named, and the
wording of a process rule), not on its phrasing. The outcome decides the row:

- ``same``: the EU text is used, confidence ``confirmed`` (two transcriptions agree).
- ``eu_first_alternative_only``: the UK lists the EU rule as its first alternative and more after
  it (the EU file is known to drop later alternatives); the UK alternatives are used, ``reported``.
- ``differs``: the line stays text only (EU text), ``unknown``: which transcription is right
  cannot be told from these files.
- ``no_uk_line``: the EU text is used, ``reported`` (one transcription).

Every line that is not ``same`` is written to ``reports/EUJP-crosscheck.csv`` with both texts
(outside ``psr/``, so the seed reader does not take it for a PSR file).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from seeds.build import RawFile, raw_file, write_csv, write_seed_table
from seeds.formats.uk_roo import plain_text
from seeds.read import read_hs_codes

EU_JAPAN = "roo/ott_prototype_xi/psr_new/japan.json"
UK_JAPAN = "roo/uk_trade_tariff_backend/rule_sets/japan.json"
UK_CPTPP = "roo/uk_trade_tariff_backend/rule_sets/cptpp.json"
LICENCE = "MIT, Crown Copyright (Government Digital Service): repository licence of {repo} (LICENCE.txt)"

PSR_HEADER = ["instrument", "hs_version", "scope", "rule", "text", "reason", "confidence", "valid_from",
              "valid_until", "source", "licence", "note"]
PSR_SHARED = ("instrument", "hs_version", "confidence", "valid_from", "valid_until", "licence")
PSR_KEYED = ("source", "licence", "text", "reason", "note")
CROSSCHECK_HEADER = ["eu_line", "eu_label", "subdivision", "scopes", "uk_lines", "uk_labels", "outcome", "choice",
                     "confidence", "eu_text", "uk_text", "reason"]

_FOOTNOTE = re.compile(r"<footnote-ref[^>]*>.*?</footnote-ref>", re.S)
_LABEL_SIDE = re.compile(r"^\d{2}(?:\.?\d{2}){0,2}$")
_GENERIC_SUB = re.compile(r"^(?:(?:sub)?heading |chapter )?[\d.\s\-\u2013]*$", re.I)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class AnnexRule:
    markdown: str
    plain: str
    operator: str | None
    classes: tuple[str, ...]


@dataclass(frozen=True)
class AnnexLine:
    """One rule set of a transcription: a heading label, its subdivision, its rules."""

    file: str
    index: int
    label: str
    subdivision: str  # plain text, "" when it only repeats the label
    lo: str  # first code of the label (2, 4 or 6 digits)
    hi: str  # last code of the label, same length
    rules: tuple[AnnexRule, ...]

    @property
    def where(self) -> str:
        return f"{Path(self.file).name} rule_sets[{self.index}]"

    @property
    def interval(self) -> tuple[str, str]:
        """The 6-digit codes the label spans, inclusive."""
        return self.lo.ljust(6, "0"), self.hi.ljust(6, "9")

    def text(self) -> str:
        """The rules as the annex lists them: 'A; B; or C' when the source marks alternatives."""
        parts = []
        for k, r in enumerate(self.rules):
            parts.append(f"or {r.plain}" if k and r.operator == "or" else r.plain)
        return "; ".join(p for p in parts if p)


def _label_codes(label: str, where: str) -> tuple[str, str]:
    """``01.01-01.06`` -> (0101, 0106); ``Chapter 3`` -> (03, 03); ``2103.20`` -> (210320, 210320)."""
    m = re.match(r"^chapter\s+(\d{1,2})$", label.strip(), re.I)
    if m:
        code = m.group(1).zfill(2)
        return code, code
    sides = [s.strip() for s in re.split(r"\s*[-\u2013]\s*", label.strip())]
    if len(sides) not in (1, 2) or not all(_LABEL_SIDE.match(s) for s in sides):
        raise ValueError(f"{where}: heading label {label!r} is no code, range or 'Chapter N'")
    lo, hi = (s.replace(".", "") for s in (sides[0], sides[-1]))
    if len(lo) != len(hi) or hi < lo:
        raise ValueError(f"{where}: heading label {label!r} mixes levels or runs backwards")
    return lo, hi


def _subdivision(raw: object, label: str) -> str:
    text = plain_text(_FOOTNOTE.sub("", raw)) if isinstance(raw, str) else ""
    text = text.strip().rstrip(":").strip()
    if not text or text.replace(" ", "") == label.replace(" ", "") or _GENERIC_SUB.match(text):
        return ""
    return text


def read_lines(path: Path, display: str) -> list[AnnexLine]:
    body = json.loads(path.read_text(encoding="utf-8"))
    lines = []
    for i, raw in enumerate(body["rule_sets"]):
        where = f"{display} rule_sets[{i}]"
        if not raw.get("valid", True):
            continue
        label = raw["heading"].strip()
        lo, hi = _label_codes(label, where)
        rules = tuple(AnnexRule(r["rule"], plain_text(_FOOTNOTE.sub("", r["rule"])), r.get("operator"),
                                tuple(c.strip() for c in r.get("class") or []))
                      for r in raw["rules"])
        if not rules or not any(r.plain for r in rules):
            raise ValueError(f"{where}: no rule text")
        lines.append(AnnexLine(display, i, label, _subdivision(raw.get("subdivision"), label), lo, hi, rules))
    return lines


# --------------------------------------------------------------------------- scopes


def edition_codes(seed_dir: Path, version: str) -> set[str]:
    codes = {c.code for c in read_hs_codes(seed_dir) if c.version == version}
    if not codes:
        raise FileNotFoundError(f"{seed_dir}: no {version} codes (hs_codes/{version}.csv): build the nomenclature first")
    return codes


def expand(line: AnnexLine, codes: set[str]) -> list[str]:
    """The codes of the edition the label names, at the label's own level."""
    level = len(line.lo)
    found = sorted(c for c in codes if len(c) == level and line.lo <= c <= line.hi)
    return found


# --------------------------------------------------------------------------- compiling


@dataclass(frozen=True)
class Compiled:
    rule: str | None
    reason: str | None
    notes: tuple[str, ...] = ()


def compile_rules(rules: tuple[AnnexRule, ...], scope: str | None = None) -> Compiled:
    """The line's rule in rule syntax through the project's rule-text compiler, or why not; ``scope`` (the
    label's codes, ``6101-6109``) is checked against the goods a CPTPP rule names."""
    try:
        from seeds.formats.rule_text import RuleText, compile_rule_set
    except ImportError:
        return Compiled(None, "not compiled: the rule-text compiler (seeds/formats/rule_text.py) was not "
                              "available when this file was built")
    out = compile_rule_set([RuleText(r.markdown, r.operator, r.classes) for r in rules], scope)
    notes = tuple(out.notes) if getattr(out, "notes", None) else ()
    if out.rule:
        return Compiled(out.rule, None, notes)
    return Compiled(None, out.reason or "the rule-text compiler gave no rule and no reason", notes)


# --------------------------------------------------------------------------- cross-check

_STOPWORDS = {"a", "an", "and", "or", "of", "the", "with", "in", "by", "from", "to", "which", "is", "are", "be"}
_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_CODE_REF = re.compile(r"(?<![\d.])(\d{2}(?:\.\d{2}){0,2}|\d{4}(?:\.\d{2})?|\d{6})(?!\d|\.\d|\s*%)")


def _kinds(text: str) -> set[str]:
    t = text.lower()
    kinds = set()
    if "(ctsh)" in t or "ctsh:" in t or "any sub-heading" in t or "any subheading" in t or "6-digit level" in t:
        kinds.add("CTSH")
    if "(cth)" in t or "cth:" in t or "any heading" in t or "4-digit level" in t:
        kinds.add("CTH")
    if "(cc)" in t or "cc:" in t or "any chapter" in t or "2-digit level" in t:
        kinds.add("CC")
    if "maxnom" in t or "ex-works price" in t:
        kinds.add("MaxNOM")
    if "rvc" in t or "regional value content" in t:
        kinds.add("RVC")
    if "wholly obtained" in t:
        kinds.add("WO")
    return kinds


def signature(text: str) -> tuple:
    """What a rule says, independent of phrasing: kinds, percentages, codes named; the words of a
    rule that names none of the usual kinds (a process rule)."""
    kinds = _kinds(text)
    pct = frozenset(float(p) for p in _PCT.findall(text))
    codes = frozenset(c.replace(".", "") for c in _CODE_REF.findall(_PCT.sub("", text)))
    words = "" if kinds else " ".join(sorted(set(re.sub(r"[^a-z]+", " ", text.lower().replace("-", "")).split())
                                             - _STOPWORDS))
    return frozenset(kinds), pct, codes, words


def _merge(sigs: list[tuple]) -> tuple:
    kinds = frozenset().union(*(s[0] for s in sigs))
    pct = frozenset().union(*(s[1] for s in sigs))
    codes = frozenset().union(*(s[2] for s in sigs))
    words = " | ".join(s[3] for s in sigs if s[3])
    return kinds, pct, codes, words


def meaning(rules: tuple[AnnexRule, ...]) -> tuple[str, object]:
    """The compiled rule when the compiler translates the rules exactly, else their signature."""
    compiled = compile_rules(rules)
    if compiled.rule:
        return "rule", compiled.rule
    return "text", _merge([signature(r.plain) for r in rules])


def _norm_sub(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip().removeprefix("- ").strip()


@dataclass(frozen=True)
class Check:
    outcome: str  # same | eu_first_alternative_only | differs | no_uk_line
    uk: tuple[AnnexLine, ...]
    reason: str


def _overlaps(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def split_parts(eu: AnnexLine, uk_lines: list[AnnexLine], codes: set[str]) -> dict[AnnexLine, frozenset[str]]:
    """The UK-side lines that split an EU line, each with the EU line's codes it governs (the most specific
    UK line at the EU line's level wins: ``8703`` over ``8702-8705``); codes no such line covers are left out."""
    sub = _norm_sub(eu.subdivision)
    level = len(eu.lo)
    parts = [u for u in uk_lines if _norm_sub(u.subdivision) == sub and len(u.lo) <= level
             and eu.interval[0] <= u.interval[0] and u.interval[1] <= eu.interval[1]]
    governed: dict[AnnexLine, set[str]] = defaultdict(set)
    for code in expand(eu, codes):
        covering = [u for u in parts if u.lo <= code[:len(u.lo)] <= u.hi]
        if covering:
            governed[min(covering, key=lambda u: int(u.interval[1]) - int(u.interval[0]))].add(code)
    return {u: frozenset(c) for u, c in governed.items()}


def part_check(eu: AnnexLine, uk: AnnexLine) -> Check:
    """One UK-side part against the EU line it splits, as for a line of the same codes."""
    how = f"UK splits this line; part {uk.label}"
    eu_m, uk_m, first = meaning(eu.rules), meaning(uk.rules), meaning(uk.rules[:1])
    if eu_m[0] != uk_m[0]:
        eu_m, uk_m, first = (("text", _merge([signature(r.plain) for r in rs])) for rs in (eu.rules, uk.rules, uk.rules[:1]))
    if uk_m == eu_m:
        return Check("same", (uk,), how)
    if len(uk.rules) > len(eu.rules) and first[1] == eu_m[1]:
        return Check("eu_first_alternative_only", (uk,),
                     f"{how}; the EU-side file gives only the first of the UK's {len(uk.rules)} alternatives")
    return Check("differs", (uk,), f"{how}; the rules say different things")


def crosscheck(eu: AnnexLine, uk_lines: list[AnnexLine]) -> Check:
    sub = _norm_sub(eu.subdivision)
    same_sub = [u for u in uk_lines if _norm_sub(u.subdivision) == sub and _overlaps(u.interval, eu.interval)]
    exact = [u for u in same_sub if u.interval == eu.interval]
    wider = sorted((u for u in same_sub if u.interval[0] <= eu.interval[0] and eu.interval[1] <= u.interval[1]
                    and u.interval != eu.interval), key=lambda u: (int(u.interval[1]) - int(u.interval[0])))
    inside = [u for u in same_sub if eu.interval[0] <= u.interval[0] and u.interval[1] <= eu.interval[1]
              and u.interval != eu.interval]
    if exact:
        match, how = exact[:1], "same codes"
    elif wider:
        match, how = wider[:1], f"UK line {wider[0].label} covers this line"
    elif inside:
        match, how = inside, "UK splits this line into " + ", ".join(u.label for u in inside)
    else:
        return Check("no_uk_line", (), "no UK-side line for these codes and this subdivision")
    if len({meaning(u.rules) for u in match}) > 1:
        return Check("differs", tuple(match), f"{how}, with different rules")
    uk = match[0]
    eu_m, uk_m, first = meaning(eu.rules), meaning(uk.rules), meaning(uk.rules[:1])
    if eu_m[0] != uk_m[0]:  # one side compiles, the other not: compare what both texts say
        eu_m, uk_m, first = (("text", _merge([signature(r.plain) for r in rs])) for rs in (eu.rules, uk.rules, uk.rules[:1]))
    if uk_m == eu_m:
        return Check("same", tuple(match), how)
    if len(uk.rules) > len(eu.rules) and first[1] == eu_m[1]:
        return Check("eu_first_alternative_only", tuple(match),
                     f"{how}; the EU-side file gives only the first of the UK's {len(uk.rules)} alternatives")
    eu_s, uk_s = (_merge([signature(r.plain) for r in rs]) for rs in (eu.rules, uk.rules))
    if len(uk.rules) > len(eu.rules) and eu_s[0] <= uk_s[0] and eu_s[1] <= uk_s[1] and eu_s[2] <= uk_s[2] \
            and eu_s[3] in uk_s[3]:
        return Check("eu_first_alternative_only", tuple(match),
                     f"{how}; everything the EU-side file says is in the UK's first rules, which list "
                     f"{len(uk.rules)} entries (further alternatives)")
    return Check("differs", tuple(match), f"{how}; the rules say different things")


# --------------------------------------------------------------------------- rows


@dataclass
class AnnexReport:
    rows: dict[str, int] = field(default_factory=dict)
    text_only: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    unexpanded: list[str] = field(default_factory=list)
    merged_parts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{k}: {n} rows ({self.text_only.get(k, 0)} text only)" for k, n in self.rows.items()]
        out += [f"EUJP cross-check {k}: {n} lines" for k, n in sorted(self.outcomes.items())]
        if self.unexpanded:
            out.append(f"labels with no code of the edition (skipped): {', '.join(self.unexpanded)}")
        if self.merged_parts:
            out.append(f"scopes with several described parts kept as one text-only ex row: "
                       f"{', '.join(self.merged_parts)}")
        return out


@dataclass(frozen=True)
class Choice:
    """The rules chosen for one annex line, how sure we are, and where they come from."""

    line: AnnexLine
    rules: tuple[AnnexRule, ...]
    text: str
    confidence: str
    source: str
    note: str
    forced_reason: str | None = None  # text only whatever the compiler says
    only: frozenset[str] | None = None  # the line's codes this choice covers (a UK-side part), else all


def _rows(instrument: str, version: str, choices: list[Choice], codes: set[str], licence: str,
          report: AnnexReport) -> list[dict]:
    by_code: dict[str, list[tuple[Choice, list[str]]]] = defaultdict(list)
    for choice in choices:
        scopes = [c for c in expand(choice.line, codes) if choice.only is None or c in choice.only]
        if not scopes:
            report.unexpanded.append(f"{instrument} {choice.line.label} ({choice.line.where})")
        for code in scopes:
            by_code[code].append((choice, scopes))
    rows = []
    for code in sorted(by_code, key=lambda c: (c.ljust(6, "0"), len(c))):
        entries = by_code[code]
        whole = [c for c, _ in entries if not c.line.subdivision or _norm_sub(c.line.subdivision) in ("other", "others")]
        parts = [c for c, _ in entries if c not in whole]
        if len(whole) > 1:
            raise ValueError(f"{instrument} {code}: several whole-scope lines ("
                             f"{', '.join(c.line.where for c in whole)})")
        if whole:
            rows.append(_row(instrument, version, code, whole[0], licence, ex=False,
                             extra=(f"Rest of the scope: the other parts ({'; '.join(c.line.subdivision for c in parts)}) "
                                    f"have their own ex rows." if parts else "")))
        if len(parts) == 1:
            rows.append(_row(instrument, version, code, parts[0], licence, ex=True))
        elif parts:
            report.merged_parts.append(f"{instrument} {code}")
            text = " || ".join(f"{c.line.subdivision}: {c.text}" for c in parts)
            confidence = min((c.confidence for c in parts), key=["unknown", "reported", "confirmed"].index)
            rows.append({"instrument": instrument, "hs_version": version, "scope": f"ex {code}", "rule": None,
                         "text": text, "confidence": confidence,
                         "reason": "several described parts of this scope have their own rules; which part a "
                                   "product is in is a matter of its description, not its code",
                         "source": "; ".join(dict.fromkeys(c.source for c in parts)), "licence": licence,
                         "note": "Parts: " + "; ".join(f"{c.line.subdivision} ({c.line.where})" for c in parts)})
    return rows


def _row(instrument: str, version: str, code: str, choice: Choice, licence: str, ex: bool, extra: str = "") -> dict:
    compiled = compile_rules(choice.rules, f"{choice.line.lo}-{choice.line.hi}")
    reason = choice.forced_reason or compiled.reason
    rule = None if choice.forced_reason else compiled.rule
    label = f"Annex line {choice.line.label}" + (f" ({choice.line.subdivision})" if choice.line.subdivision else "")
    note = " ".join(p for p in (label + ".", f"Part: {choice.line.subdivision}." if ex else "", choice.note, extra,
                                " ".join(compiled.notes)) if p)
    return {"instrument": instrument, "hs_version": version, "scope": f"ex {code}" if ex else code, "rule": rule,
            "text": choice.text, "reason": None if rule else reason, "confidence": choice.confidence,
            "source": choice.source, "licence": licence, "note": note}


def _source(title: str, line: AnnexLine, raw: RawFile) -> str:
    return f"{title}, {line.where} ({line.label}); {raw.cite()}"


def _source_template(title: str, raw: RawFile) -> str:
    """``_source`` with the line left open, so a row cites its annex line as ``@name japan.json rule_sets[0] (0101)``."""
    return f"{title}, {{}}; {raw.cite()}"


EUJP_TITLE = "EU-Japan EPA Annex 3-B (product-specific rules), EU-side transcription (UK Trade Tariff OTT prototype XI data)"
UKJP_TITLE = "UK-Japan CEPA product-specific rules (UK Trade Tariff rules of origin), following the EU-Japan Annex 3-B text"
CPTPP_TITLE = "CPTPP product-specific rules (UK Trade Tariff rules of origin, CPTPP Origin Reference Document v1.1)"


def _choose(line: AnnexLine, check: Check, only: frozenset[str] | None, eu_source: str,
            ukjp_raw: RawFile) -> tuple[Choice, str]:
    """The rules a cross-check outcome gives a line (or the part of it ``only`` names), and what was chosen."""
    uk_text = " || ".join(u.text() for u in check.uk)
    if check.outcome == "eu_first_alternative_only":
        uk = check.uk[0]
        return Choice(line, uk.rules, uk.text(), "reported",
                      f"{eu_source}; alternatives from {_source(UKJP_TITLE, uk, ukjp_raw)}",
                      f"EU-side file gives only '{line.text()}'; the UK-side transcription "
                      f"{'(' + uk.label + ') ' if only is not None else ''}lists all alternatives and is used "
                      f"(EUJP-crosscheck.csv).", only=only), "UK alternatives"
    if check.outcome == "differs":
        return Choice(line, line.rules, line.text(), "unknown", eu_source,
                      f"The UK-side transcription differs: '{uk_text}' (EUJP-crosscheck.csv).",
                      forced_reason="the EU-side and UK-side transcriptions of this line differ "
                                    "(seeds/data/reports/EUJP-crosscheck.csv); which is right cannot be told "
                                    "from these files", only=only), "EU text, text only"
    if check.outcome == "same":
        return Choice(line, line.rules, line.text(), "confirmed", eu_source,
                      f"Agrees with the UK-side transcription ({', '.join(u.label for u in check.uk)}).",
                      only=only), "EU text"
    return Choice(line, line.rules, line.text(), "reported", eu_source, "No UK-side line to check it against.",
                  only=only), "EU text"


def build_annexes(eval_data: Path, out_dir: Path) -> AnnexReport:
    """Rewrite ``psr/EUJP.csv``, ``reports/EUJP-crosscheck.csv`` and ``psr/CPTPP.csv`` under ``out_dir``."""
    report = AnnexReport()
    eu_raw, ukjp_raw, cptpp_raw = (raw_file(eval_data, p) for p in (EU_JAPAN, UK_JAPAN, UK_CPTPP))
    eu_lines = read_lines(eval_data / EU_JAPAN, "ott_prototype_xi/psr_new/japan.json")
    uk_lines = read_lines(eval_data / UK_JAPAN, "uk_trade_tariff_backend/rule_sets/japan.json")
    cptpp_lines = read_lines(eval_data / UK_CPTPP, "uk_trade_tariff_backend/rule_sets/cptpp.json")

    codes2017 = edition_codes(out_dir, "HS2017")
    seen: set[tuple] = set()
    choices: list[Choice] = []
    checks: list[dict] = []
    for line in eu_lines:
        key = (line.label, line.subdivision, tuple(r.plain for r in line.rules))
        if key in seen:
            continue  # the EU file repeats some lines verbatim (16.01-16.02)
        seen.add(key)
        check = crosscheck(line, uk_lines)
        eu_source = _source(EUJP_TITLE, line, eu_raw)
        if check.reason.startswith("UK splits this line"):
            # judge each UK-side part on the codes it governs (84.09-84.24 -> 8409-8411, 8412, ...)
            parts = split_parts(line, uk_lines, codes2017)
            rest = frozenset(expand(line, codes2017)) - frozenset().union(*parts.values())
            judged = [(part_check(line, u), codes) for u, codes in sorted(parts.items(), key=lambda x: x[0].lo)]
            if rest:
                judged.append((Check("no_uk_line", (), "no UK-side line for these codes of the line it splits"), rest))
        else:
            judged = [(check, None)]
        for part, only in judged:
            report.outcomes[part.outcome] = report.outcomes.get(part.outcome, 0) + 1
            choice, chosen = _choose(line, part, only, eu_source, ukjp_raw)
            choices.append(choice)
            if part.outcome != "same":
                scopes = [c for c in expand(line, codes2017) if only is None or c in only]
                checks.append({"eu_line": line.where, "eu_label": line.label, "subdivision": line.subdivision,
                               "scopes": " ".join(scopes), "uk_lines": " ".join(u.where for u in part.uk),
                               "uk_labels": " ".join(u.label for u in part.uk), "outcome": part.outcome,
                               "choice": chosen, "confidence": choice.confidence, "eu_text": line.text(),
                               "uk_text": " || ".join(u.text() for u in part.uk), "reason": part.reason})

    eujp = _rows("EUJP", "HS2017", choices, codes2017, LICENCE.format(repo=eu_raw.repo), report)

    cptpp_choices = [Choice(line, line.rules, line.text(), "reported", _source(CPTPP_TITLE, line, cptpp_raw),
                            "One transcription (UK Trade Tariff); HS2012 labels as the annex writes them.")
                     for line in cptpp_lines]
    cptpp = _rows("CPTPP", "HS2012", cptpp_choices, edition_codes(out_dir, "HS2012"),
                  LICENCE.format(repo=cptpp_raw.repo), report)

    templates = {"EUJP": {"eu-side": _source_template(EUJP_TITLE, eu_raw)},
                 "CPTPP": {"uk-side": _source_template(CPTPP_TITLE, cptpp_raw)}}
    for name, rows in (("EUJP", eujp), ("CPTPP", cptpp)):
        report.rows[name] = len(rows)
        report.text_only[name] = sum(1 for r in rows if not r["rule"])
        write_seed_table(out_dir / "psr" / f"{name}.csv", PSR_HEADER, rows, "python -m seeds.build annexes",
                         shared=PSR_SHARED, keyed=PSR_KEYED, templates={"source": templates[name]})
    (out_dir / "reports").mkdir(exist_ok=True)
    write_csv(out_dir / "reports" / "EUJP-crosscheck.csv", CROSSCHECK_HEADER, checks)
    return report
