"""Write parsed public data (``seeds.formats``) into the graph: one managed transaction per import.

Every import first checks its whole input (a bad file raises ``FormatError`` naming file, line or
JSON path and field, before anything is written), then plans all its writes as (statement, rows),
then runs the plan in batches of UNWIND + MERGE inside a single managed transaction: an import
commits whole or changes nothing. MERGE on each fact's key makes a second import change nothing;
the sets an import owns outright (an imported instrument's parties, provisions and PSRs) are
replaced inside that transaction, so a newer file leaves no stale facts behind.

Each import returns an ``ImportSummary``: what was written, counts, and for the rules of origin (UK
and EU side) the outcome of every rule (structured criteria, text only with the reason, or skipped
with the reason) and, per scheme, of every rule set (``RuleSetOutcomes``).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j import ManagedTransaction

from engine.criteria import criterion_to_json, parse_rule
from engine.terms.cumulation import CUMULATION_KINDS, PREFIX as CUMULATION_PREFIX
from graph import queries
from graph.load import correlation_kinds, hs_uid
from graph.schema import install_schema
from graph.store import Store
from seeds.formats import Problems, edition_in_force, previous_edition
from seeds.formats.hs_lists import HsList
from seeds.formats.psr_table import AnnexScope, PsrTable
from seeds.formats.eu_roo import DEFAULT_HS_VERSION as EU_DEFAULT_HS_VERSION
from seeds.formats.rule_text import HEADING_LABEL, Compiled, RuleText, compile_rule_set
from seeds.formats.uk_roo import RooData, RuleSet, Scheme
from seeds.formats.unsd import CorrelationTable
from seeds.formats.wto_rta import WtoRtaData

BATCH = 2000
Plan = list[tuple[str, list[dict[str, Any]]]]


def _by_count(reasons: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass
class RuleSetOutcomes:
    """What became of one scheme's rule sets (or all of them): each is machine-evaluable, text only
    (``reasons`` says why, per reason), a heading label (not a PSR), or skipped (``skipped``, per reason)."""

    rule_sets: int = 0
    machine_evaluable: int = 0
    text_only: int = 0
    heading_labels_skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    @classmethod
    def sum(cls, parts: Iterable[RuleSetOutcomes]) -> RuleSetOutcomes:
        total = cls()
        for part in parts:
            total.rule_sets += part.rule_sets
            total.machine_evaluable += part.machine_evaluable
            total.text_only += part.text_only
            total.heading_labels_skipped += part.heading_labels_skipped
            for mine, theirs in ((total.reasons, part.reasons), (total.skipped, part.skipped)):
                for reason, n in theirs.items():
                    mine[reason] = mine.get(reason, 0) + n
        return total

    def line(self) -> str:
        return (f"{self.rule_sets} rule sets: {self.machine_evaluable} machine-evaluable, {self.text_only} text only, "
                f"{self.heading_labels_skipped} heading labels skipped, {sum(self.skipped.values())} skipped")


@dataclass
class ImportSummary:
    """What one import did; ``lines()`` is the human summary the CLI prints (each scheme with its
    three commonest text-only reasons; the JSON form has them all)."""

    kind: str
    source: str
    written: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int | str] = field(default_factory=dict)
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    schemes: dict[str, RuleSetOutcomes] = field(default_factory=dict)
    totals: RuleSetOutcomes | None = None
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"{self.kind}: {self.source}"]
        for name, n in self.counts.items():
            out.append(f"  {name}: {n}")
        for group, reasons in self.outcomes.items():
            total = sum(reasons.values())
            out.append(f"  {group}: {total}")
            for reason, n in _by_count(reasons):
                out.append(f"    {n:>7}  {reason}")
        if self.schemes:
            out.append("  rule sets by scheme:")
            for scheme, outcome in self.schemes.items():
                out.append(f"    {scheme}: {outcome.line()}")
                out.extend(f"      {n:>6}  {reason}" for reason, n in _by_count(outcome.reasons)[:3])
        if self.totals:
            out.append(f"  rule sets in total: {self.totals.line()}")
            for title, reasons in (("text only", self.totals.reasons), ("skipped", self.totals.skipped)):
                out.append(f"    {title}:")
                out.extend(f"      {n:>6}  {reason}" for reason, n in _by_count(reasons))
        out.append(f"  written in one transaction: {sum(self.written.values())} rows "
                   f"({', '.join(f'{k} {v}' for k, v in self.written.items() if v)}) in {self.seconds:.1f} s")
        return out


def run_plan(store: Store, plan: Plan, progress: bool = False, label: str = "import") -> dict[str, int]:
    """Run every (statement, rows) of ``plan`` in batches, in one managed write transaction."""
    statements = queries.all_queries()
    total = sum(max(len(rows), 1) for _, rows in plan)

    def write(tx: ManagedTransaction) -> None:
        bar = _bar(total, label, progress)
        try:
            for name, rows in plan:
                if not rows:
                    bar.update(1)
                    continue
                for start in range(0, len(rows), BATCH):
                    chunk = rows[start:start + BATCH]
                    tx.run(statements[name], rows=chunk).consume()
                    bar.update(len(chunk))
        finally:
            bar.close()

    store.write_tx(write)
    return {name: len(rows) for name, rows in plan}


def _bar(total: int, label: str, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="row", disable=not progress, leave=False)


def _version_rows(versions: list[str], source: str) -> Plan:
    """HSVersion nodes (created only if missing, with the WCO in-force date) and FOLLOWS between
    consecutive editions (both directions of the succession, where the other edition exists)."""
    rows = [{"code": v, "props": {"source": f"WCO Harmonized System, {v[2:]} edition (1 January {v[2:]}); "
                                            f"created by import of {source}",
                                  "in_force_from": edition_in_force(v)}} for v in versions]
    succession = []
    for v in versions:
        if previous_edition(v):
            succession.append({"code": v, "follows": previous_edition(v)})
        newer = next((n for n in _NEXT if previous_edition(n) == v), None)
        if newer:
            succession.append({"code": newer, "follows": v})
    return [("IMPORT_HS_VERSIONS", rows), ("MERGE_HS_VERSION_SUCCESSION", succession)]


_NEXT = ("HS1992", "HS1996", "HS2002", "HS2007", "HS2012", "HS2017", "HS2022")


def _timed(kind: str, source: str, work: Callable[[ImportSummary], None]) -> ImportSummary:
    summary = ImportSummary(kind, source)
    started = time.perf_counter()
    work(summary)
    summary.seconds = time.perf_counter() - started
    return summary


# --------------------------------------------------------------------------- UNSD correlations


def correlation_plan(table: CorrelationTable) -> tuple[Plan, Counter]:
    kinds = correlation_kinds(table.links)
    codes = {(link.from_version, link.from_code) for link in table.links} | \
            {(link.to_version, link.to_code) for link in table.links}
    links = []
    by_kind: Counter = Counter()
    for link in table.links:
        f, t = hs_uid(link.from_version, link.from_code), hs_uid(link.to_version, link.to_code)
        kind = kinds[(f, t)]
        by_kind[kind] += 1
        links.append({"from_uid": f, "to_uid": t,
                      "props": {"kind": kind, "partial": link.partial, "source": table.source}})
    plan = _version_rows([table.from_version, table.to_version], table.source) + [
        ("IMPORT_HS_CODES_IF_MISSING", [
            {"uid": hs_uid(v, c), "props": {"code": c, "version": v, "level": len(c), "source": table.source}}
            for v, c in sorted(codes)]),
        ("MERGE_HS_HIERARCHY", [{"uid": hs_uid(v, c), "parent": hs_uid(v, c[:-2])} for v, c in sorted(codes)]),
        ("MERGE_CORRELATIONS", links),
    ]
    return plan, by_kind


def import_correlation(store: Store, table: CorrelationTable, progress: bool = False) -> ImportSummary:
    """HSVersion / HSCode nodes and one CORRELATES_TO per link, kind from its group, partial from ``ex``."""
    def work(summary: ImportSummary) -> None:
        install_schema(store)
        plan, by_kind = correlation_plan(table)
        summary.written = run_plan(store, plan, progress, "unsd-correlation")
        summary.counts = {"links": len(table.links),
                          f"{table.from_version} codes": len({link.from_code for link in table.links}),
                          f"{table.to_version} codes": len({link.to_code for link in table.links}),
                          "partial links": sum(link.partial for link in table.links),
                          **{f"links of kind {k}": n for k, n in sorted(by_kind.items())}}
        summary.counts["partial taken from"] = table.partial_from

    return _timed("unsd-correlation", f"{table.file} ({table.from_version} -> {table.to_version})", work)


# --------------------------------------------------------------------------- HS lists


def hs_list_plan(hs: HsList) -> Plan:
    return _version_rows([hs.version], hs.source) + [
        ("MERGE_HS_CODES", [
            {"uid": hs_uid(hs.version, e.code),
             "props": {"code": e.code, "version": hs.version, "level": len(e.code), "description": e.description,
                       "section": e.section, "source": hs.source}}
            for e in hs.entries]),
        ("MERGE_HS_HIERARCHY", [
            {"uid": hs_uid(hs.version, e.code), "parent": hs_uid(hs.version, e.parent)}
            for e in hs.entries if e.parent]),
    ]


def import_hs_list(store: Store, hs: HsList, progress: bool = False) -> ImportSummary:
    """HSCode nodes with descriptions and CHILD_OF to their parents (sections kept as a property)."""
    def work(summary: ImportSummary) -> None:
        install_schema(store)
        summary.written = run_plan(store, hs_list_plan(hs), progress, "hs-list")
        levels = Counter(len(e.code) for e in hs.entries)
        summary.counts = {"chapters": levels[2], "headings": levels[4], "subheadings": levels[6]}

    return _timed("hs-list", f"{hs.file} ({hs.version}, {hs.layout} layout)", work)


def display_name(path: Path) -> str:
    return str(path)


# --------------------------------------------------------------------------- rules of origin (UK and EU side)

PARTNER_SIDE = "partner"
# The tariff's geographical areas that are not the ISO 3166-1 code of the same country.
UK_AREA_TO_ISO = {"XS": "RS"}  # Serbia (XS in the EU/UK geonomenclature)
TEXT_ONLY = "imported as text only (machine_evaluable=false)"
STRUCTURED = "imported with structured criteria (machine-evaluable)"
SKIPPED = "skipped"
NOT_VALID = "rule set marked not valid in the source"


_AREA_NOTES = {iso: f"written {area} in the tariff data" for area, iso in UK_AREA_TO_ISO.items()}


@dataclass(frozen=True)
class RooSide:
    """What differs between importing the tariff's UK rules of origin and its EU-side (XI) ones."""

    kind: str  # the import's name: uk-roo, eu-roo
    prefix: str  # instrument codes are <prefix>-<SCHEME>
    home: str  # the party on the other side of every scheme's countries
    publisher: str  # opens every source citation
    scope: str  # what the rules are, on every instrument's note


UK_ROO = RooSide("uk-roo", "UK", "GB", "UK Trade Tariff rules of origin",
                 "Rules of origin as the UK Trade Tariff applies them to goods imported into the UK.")
EU_ROO = RooSide("eu-roo", "EU", "EU", "EU-side (XI) rules of origin, UK Trade Tariff ott-prototype",
                 "Rules of origin as the EU applies them to goods from its partners, as the UK Trade Tariff "
                 "publishes them for Northern Ireland (XI, prototype data of November 2023).")


def instrument_code(side: RooSide, scheme: str) -> str:
    return f"{side.prefix}-{scheme.upper()}"


def uk_instrument_code(scheme: str) -> str:
    return instrument_code(UK_ROO, scheme)


def eu_instrument_code(scheme: str) -> str:
    return instrument_code(EU_ROO, scheme)


class CodeIndex:
    """The HS codes of one edition present in the graph, as a tree, to expand commodity-code ranges."""

    def __init__(self, codes: list[str]):
        present = set(codes)
        self.children: dict[str, list[str]] = {}
        self.roots: list[str] = []
        for code in sorted(present):
            parent = code[:-2] if len(code) > 2 else None
            while parent and parent not in present:
                parent = parent[:-2] if len(parent) > 2 else None
            (self.children.setdefault(parent, []) if parent else self.roots).append(code)
        self._covers: dict[tuple[str, str], list[tuple[str, bool]]] = {}

    def cover(self, low: str, high: str) -> list[tuple[str, bool]]:
        """The fewest codes covering the 10-digit range ``low``..``high``: a whole chapter, else whole
        headings, else subheadings; a code only partly inside the range is returned with ``True``.
        Remembered per range (the schemes of one tariff share most of their ranges)."""
        if (low, high) in self._covers:
            return self._covers[(low, high)]
        out: list[tuple[str, bool]] = []
        self._covers[(low, high)] = out

        def visit(codes: list[str]) -> None:
            for code in codes:
                lo, hi = code.ljust(10, "0"), code.ljust(10, "9")
                if hi < low or lo > high:
                    continue
                if low <= lo and hi <= high:
                    out.append((code, False))
                elif code in self.children:
                    visit(self.children[code])
                else:
                    out.append((code, True))

        visit(self.roots)
        return out


def _label_level(label: str) -> int | None:
    """The level an ``ex`` label speaks of: ``ex Chapter 85`` -> 2, ``ex 4819`` -> 4, else None."""
    m = re.match(r"^ex\s+(chapter\s+)?([\d.]+)", label, re.IGNORECASE)
    if not m:
        return None
    return 2 if m.group(1) else len(m.group(2).replace(".", ""))


def _join_rules(rule_set: RuleSet) -> str:
    text = rule_set.rules[0].plain
    for r in rule_set.rules[1:]:
        text += ("\nor\n" if r.operator == "or" else "\n") + r.plain
    return text


class _Compiler:
    """``compile_rule_set`` once per distinct rule set (the data repeats them: about 3,800 distinct of
    28,500 UK rule sets, 3,000 of 24,000 EU ones), with the criteria JSON of its rule."""

    def __init__(self) -> None:
        self.seen: dict[tuple[RuleText, ...], tuple[Compiled, Any]] = {}

    def __call__(self, rule_set: RuleSet) -> tuple[Compiled, Any]:
        key = tuple(RuleText(r.text, r.operator, r.classes) for r in rule_set.rules)
        if key not in self.seen:
            compiled = compile_rule_set(key)
            self.seen[key] = (compiled, criterion_to_json(parse_rule(compiled.rule)) if compiled.rule else None)
        return self.seen[key]


class _Tally:
    """Outcomes of one import: per rule (``ImportSummary.outcomes``) and per scheme's rule sets."""

    def __init__(self) -> None:
        self.rules: dict[str, Counter] = {STRUCTURED: Counter(), TEXT_ONLY: Counter(), SKIPPED: Counter()}
        self.schemes: dict[str, RuleSetOutcomes] = {}

    def scheme(self, code: str) -> RuleSetOutcomes:
        return self.schemes.setdefault(code, RuleSetOutcomes())

    def skip(self, scheme: str, rule_set: RuleSet, reason: str) -> None:
        self.rules[SKIPPED][reason] += len(rule_set.rules)
        out = self.scheme(scheme)
        out.rule_sets += 1
        if reason == HEADING_LABEL:
            out.heading_labels_skipped += 1
        else:
            out.skipped[reason] = out.skipped.get(reason, 0) + 1

    def compiled(self, scheme: str, rule_set: RuleSet, reason: str | None) -> None:
        out = self.scheme(scheme)
        out.rule_sets += 1
        if reason is None:
            self.rules[STRUCTURED]["criteria compiled from the rule's wording"] += len(rule_set.rules)
            out.machine_evaluable += 1
        else:
            self.rules[TEXT_ONLY][reason] += len(rule_set.rules)
            out.text_only += 1
            out.reasons[reason] = out.reasons.get(reason, 0) + 1


def _source(side: RooSide, data: RooData, scheme: Scheme) -> str:
    return (f"{side.publisher}, {Path(data.schemes_file).name} scheme {scheme.code}"
            + (f"; {scheme.ord_title}" if scheme.ord_title else "")
            + (f", version {scheme.ord_version}" if scheme.ord_version else "")
            + (f" ({scheme.ord_date})" if scheme.ord_date else ""))


def _instrument_note(side: RooSide, scheme: Scheme, home_side_only: bool) -> str:
    note = side.scope
    if scheme.valid_from or scheme.valid_until:
        note += " Party dates are the scheme's validity dates, not per-party ratification dates."
    else:
        note += (" The data gives no dates for this scheme: signature, ratification and entry-into-force dates "
                 "are left null (status signed), not taken from elsewhere.")
    if not scheme.cumulation:
        note += " The data gives no cumulation lists for it."
    if not scheme.proofs:
        note += " The data names no proofs of origin for it."
    if scheme.unilateral:
        note += " Unilateral preference: it covers goods from the beneficiaries only."
    if home_side_only:
        note += (f" Its country list names {side.home} itself (the {side.home} side), so no partner is written "
                 f"from it.")
    if scheme.notes:
        note += f" Data note: {scheme.notes}"
    return note


def roo_plan(side: RooSide, data: RooData, codes: list[str], existing_parties: set[str], hs_version: str
             ) -> tuple[Plan, ImportSummary]:
    """Schemes as Agreement/Instrument with parties, cumulation provisions and proofs; rule sets as
    PSRs attached to the ``hs_version`` codes their commodity-code range covers."""
    summary = ImportSummary(side.kind, f"{data.directory} (PSRs attached to {hs_version} codes)")
    tally = _Tally()
    compile_ = _Compiler()
    index = CodeIndex(codes)
    schemes = {s.code: s for s in data.schemes}
    agreements, instruments, owned, parties, provisions, schedules, psrs = ([] for _ in range(7))
    missing_parties: Counter = Counter()
    no_rules: list[str] = []
    home_side_only: list[str] = []

    for scheme in data.schemes:
        code = instrument_code(side, scheme.code)
        source = _source(side, data, scheme)
        countries = [UK_AREA_TO_ISO.get(c, c) for c in scheme.countries]
        lists_home = side.home in countries
        if lists_home:
            home_side_only.append(scheme.code)
        status = "terminated" if scheme.valid_until else "in_force" if scheme.valid_from else "signed"
        agreements.append({"code": code, "props": {"name": scheme.title, "source": source}})
        instruments.append({"code": code, "agreement": code, "props": {
            "agreement": code, "kind": "agreement", "title": scheme.title, "entry_into_force": "per_party",
            "pairing": "across_sides", "status": status, "source": source,
            "note": _instrument_note(side, scheme, lists_home), "roo_scheme": scheme.code,
            "unilateral": scheme.unilateral,
            "adopted_by_uk": scheme.adopted_by_uk,
            "proofs": json.dumps([p.__dict__ for p in scheme.proofs]) if scheme.proofs else None,
            "features": json.dumps(scheme.features, sort_keys=True), "links": list(scheme.links),
            "ord_title": scheme.ord_title, "ord_version": scheme.ord_version, "ord_date_text": scheme.ord_date}})
        owned.append({"instrument": code})
        members = [(side.home, side.home)] + ([] if lists_home else [(c, PARTNER_SIDE) for c in countries])
        seen = set()
        for party, party_side in members:
            if party in seen:
                continue
            seen.add(party)
            if party not in existing_parties:
                missing_parties[party] += 1
                continue
            parties.append({"party": party, "instrument": code, "props": {
                "side": party_side, "status": "in_force" if scheme.valid_from else "signed",
                "in_force_from": scheme.valid_from, "in_force_until": scheme.valid_until, "source": source,
                "note": _AREA_NOTES.get(party) if scheme.valid_from else
                "; ".join(filter(None, [_AREA_NOTES.get(party), "no dates in the data: dates left null"]))}})
        article = next((k for k, v in scheme.articles.items() if v.strip().lower() == "cumulation"), None)
        own = {p for p, _ in members}
        for method, listed in scheme.cumulation.items():
            # the reader admits only the engine's kinds (CUMULATION_KINDS), so every key written is one it reads
            key = f"{CUMULATION_PREFIX}{method}"
            mapped = [UK_AREA_TO_ISO.get(c, c) for c in listed]
            provisions.append({"instrument": code, "uid": f"{code}:{key}", "props": {
                "key": key, "instrument": code, "article": article,
                "title": f"{method.capitalize()} cumulation", "source": source,
                "countries": mapped,
                "extends_to": [] if CUMULATION_KINDS[method].reach == "pair"
                else [c for c in mapped if c in existing_parties and c not in own]}})
        rule_sets = data.rule_sets.get(scheme.code)
        if rule_sets is None:
            no_rules.append(scheme.code)
            continue
        schedules.append({"instrument": code, "hs_version": hs_version, "props": {
            "from": None, "until": None, "transition_until": None, "source": source,
            "note": f"rule sets as published in {data.rule_set_files[scheme.code]}, attached to the {hs_version} "
                    f"codes their commodity-code ranges cover; dates of the schedule and earlier schedules are not "
                    f"in the data",
            # the scheme's whole rule-set file is its annex: a code it lists no rule for has no PSR
            "annex_coverage": "complete", "annex_covers": [], "annex_source": source}})
        file_name = Path(data.rule_set_files[scheme.code]).name
        for rs in rule_sets:
            if not rs.valid:
                tally.skip(scheme.code, rs, NOT_VALID)
                continue
            compiled, criteria = compile_(rs)
            if compiled.reason == HEADING_LABEL:
                tally.skip(scheme.code, rs, HEADING_LABEL)
                continue
            if rs.defect:
                tally.skip(scheme.code, rs, rs.defect)
                continue
            found = index.cover(rs.min_code, rs.max_code)
            if not found:
                tally.skip(scheme.code, rs, f"no {hs_version} code in the graph falls in its commodity-code range "
                                            f"(codes that are not in {hs_version}, or the {hs_version} list is not "
                                            f"imported)")
                continue
            rule, reason = compiled.rule, compiled.reason
            tally.compiled(scheme.code, rs, reason)
            level = _label_level(rs.heading)
            ex = any(partial or (level is not None and len(c) == level) for c, partial in found)
            uid = f"{code}:{hs_version}:{rs.index}"
            text = _join_rules(rs)
            psrs.append({"instrument": code, "targets": [hs_uid(hs_version, c) for c, _ in found], "props": {
                "uid": uid, "instrument": code, "hs_version": hs_version, "scope": rs.heading, "ex": ex,
                "rule": rule or text, "criteria": criteria,
                "machine_evaluable": rule is not None, "reason": reason, "text": text,
                "rule_notes": list(compiled.notes),
                "classes": sorted({c for r in rs.rules for c in r.classes}),
                "commodity_range": f"{rs.min_code}-{rs.max_code}", "valid_from": None, "valid_until": None,
                "quota": any(r.quota for r in rs.rules),
                "note": rs.subdivision or None,
                "source": f"{side.publisher}, {file_name} {rs.path} ({rs.heading})"}})
    for scheme_code, rule_sets in data.rule_sets.items():
        if scheme_code not in schemes:
            reason = (f"{Path(data.rule_set_files[scheme_code]).name} has no scheme {scheme_code!r} in "
                      f"{Path(data.schemes_file).name}")
            for rs in rule_sets:
                tally.skip(scheme_code, rs, reason)
    if no_rules:
        summary.counts["schemes without a rule_sets file (imported without PSRs)"] = ", ".join(no_rules)
    if home_side_only:
        summary.counts[f"schemes whose countries name {side.home} itself (no partner written)"] = \
            ", ".join(home_side_only)
    if missing_parties:
        summary.counts["scheme countries/areas not a Country or Bloc in the graph (no PARTY_TO)"] = \
            ", ".join(sorted(missing_parties))
    plan = [
        ("MERGE_AGREEMENTS", agreements),
        ("MERGE_INSTRUMENTS", instruments),
        ("IMPORT_DELETE_PARTIES_OF_INSTRUMENTS", owned),
        ("IMPORT_DELETE_PROVISIONS_OF_INSTRUMENTS", owned),
        ("IMPORT_DELETE_PSRS_OF_INSTRUMENTS", owned),
        ("MERGE_PARTIES", parties),
        ("MERGE_PROVISIONS", provisions),
        ("MERGE_PSR_SCHEDULES", schedules),
        ("IMPORT_PSRS_WITH_TARGETS", psrs),
    ]
    total = sum(len(rs.rules) for rss in data.rule_sets.values() for rs in rss)
    summary.counts = {"schemes": len(data.schemes), "rule sets": sum(len(v) for v in data.rule_sets.values()),
                      "rules": total, "PSRs written": len(psrs),
                      "APPLIES_TO links": sum(len(p["targets"]) for p in psrs),
                      "parties": len(parties), **summary.counts}
    summary.outcomes = {k: dict(v) for k, v in tally.rules.items() if v}
    summary.schemes = dict(sorted(tally.schemes.items()))
    summary.totals = RuleSetOutcomes.sum(summary.schemes.values())
    return plan, summary


def import_roo(store: Store, side: RooSide, data: RooData, hs_version: str, progress: bool = False) -> ImportSummary:
    """One rules-of-origin import: the plan for the graph's ``hs_version`` codes and parties, one transaction."""
    started = time.perf_counter()
    install_schema(store)
    codes = [r["code"] for r in store.read(queries.IMPORT_CODES_OF_VERSION, version=hs_version)]
    wanted = {side.home} | {UK_AREA_TO_ISO.get(c, c) for s in data.schemes for c in s.countries} | \
             {UK_AREA_TO_ISO.get(c, c) for s in data.schemes for cs in s.cumulation.values() for c in cs}
    existing = {r["code"] for r in store.read(queries.IMPORT_EXISTING_PARTIES, codes=sorted(wanted))}
    plan, summary = roo_plan(side, data, codes, existing, hs_version)
    summary.written = run_plan(store, plan, progress, side.kind)
    summary.seconds = time.perf_counter() - started
    return summary


def import_uk_roo(store: Store, data: RooData, hs_version: str = "HS2022", progress: bool = False) -> ImportSummary:
    """UK schemes as Agreement/Instrument ``UK-<SCHEME>`` with parties and cumulation provisions; rule sets as PSRs."""
    return import_roo(store, UK_ROO, data, hs_version, progress)


def import_eu_roo(store: Store, data: RooData, hs_version: str = EU_DEFAULT_HS_VERSION,
                  progress: bool = False) -> ImportSummary:
    """EU-side schemes as Agreement/Instrument ``EU-<SCHEME>`` with the EU and the scheme's countries as
    parties (undated where the data is); rule sets as PSRs on ``hs_version`` codes (``seeds.formats.eu_roo``)."""
    return import_roo(store, EU_ROO, data, hs_version, progress)


# --------------------------------------------------------------------------- WTO RTA database

# WTO names of blocs that act as one party, for the blocs the graph knows.
WTO_BLOCS = {"European Union": "EU", "European Free Trade Association (EFTA)": "EFTA",
             "Southern Common Market (MERCOSUR)": "MERCOSUR", "ASEAN Free Trade Area (AFTA)": "ASEAN"}
# WTO names that differ from the ISO 3166-1 English short names of countries.csv.
WTO_NAMES = {
    "Chinese Taipei": "TW", "United Kingdom": "GB", "Tanzania": "TZ", "Kyrgyz Republic": "KG", "The Gambia": "GM",
    "Côte d'Ivoire": "CI", "Sao Tomé and Principe": "ST", "Bolivia, Plurinational State of": "BO",
    "Venezuela, Bolivarian Republic of": "VE", "Moldova, Republic of": "MD", "Hong Kong, China": "HK",
    "Korea, Republic of": "KR", "Macao, China": "MO", "Czech Republic": "CZ", "Slovak Republic": "SK", "Iran": "IR",
    "Lebanese Republic": "LB", "Palestine": "PS", "Virgin Islands, British": "VG",
    "Falkland Islands (Islas Malvinas)": "FK", "Netherlands, Kingdom of, with respect to Aruba": "AW",
    "British Overseas Territory of Saint Helena, Ascension and Tristan da Cunha": "SH",
    "Korea, Democratic People's Republic of": "KP", "Bahrain, Kingdom of": "BH", "Kuwait, the State of": "KW",
    "Saudi Arabia, Kingdom of": "SA", "Micronesia, Federated States of": "FM",
}
_WTO_STATUS = {"in force": "in_force", "in force for at least one party": "in_force", "inactive": "terminated",
               "early announcement-signed": "signed"}


def wto_instrument_code(rta_id: int) -> str:
    return f"WTO-RTA-{rta_id}"


def wto_rta_plan(data: WtoRtaData, countries: dict[str, str]) -> tuple[Plan, ImportSummary]:
    """``countries``: code -> name of every Country in the graph (names match WTO names where no code is given)."""
    summary = ImportSummary("wto-rta", data.source)
    by_name = {name.lower(): code for code, name in countries.items() if name}
    by_name.update({name.lower(): code for name, code in WTO_NAMES.items()})
    known = set(countries) | set(WTO_BLOCS.values())
    agreements, instruments, owned, parties = [], [], [], []
    skipped: Counter = Counter()
    unmatched: Counter = Counter()
    statuses: Counter = Counter()
    for rta in data.rtas:
        status = _WTO_STATUS.get(rta.status.strip().lower())
        if status is None:
            skipped[f"status {rta.status.strip()!r}: not signed, so no agreement to record"] += 1
            continue
        statuses[status] += 1
        code = wto_instrument_code(rta.rta_id)
        source = f"{data.source}, RTA ID {rta.rta_id}"
        agreements.append({"code": code, "props": {"name": rta.name, "source": source}})
        instruments.append({"code": code, "agreement": code, "props": {
            "agreement": code, "kind": "agreement", "title": rta.name, "signed": rta.signed,
            "entry_into_force": "per_party", "pairing": "any", "status": status, "source": source,
            "note": rta.remarks, "wto_rta_id": rta.rta_id, "wto_status": rta.status.strip(),
            "coverage": rta.coverage, "rta_type": rta.type, "notification": rta.notification,
            "signed_goods": rta.signed_goods, "signed_services": rta.signed_services,
            "in_force_goods": rta.eif_goods, "in_force_services": rta.eif_services, "inactive_from": rta.inactive,
            "accession": rta.accession, "composition": rta.composition, "region": rta.region}})
        owned.append({"instrument": code})
        seen = set()
        for s in rta.signatories:
            party = s.iso2 or WTO_BLOCS.get(s.name) or by_name.get(s.name.lower())
            if not party or party not in known:
                unmatched[s.name] += 1
                continue
            if party in seen:
                continue
            seen.add(party)
            entry = None if s.pending else (s.entry or rta.in_force_from)
            until = s.exit or (rta.inactive if status == "terminated" else None)
            if status == "signed" or s.pending or entry is None:
                party_status = "signed"
                entry = None
            elif status == "terminated" or (s.exit is not None):
                party_status = "withdrawn"
            else:
                party_status = "in_force"
            parties.append({"party": party, "instrument": code, "props": {
                "signed": rta.signed, "in_force_from": entry, "in_force_until": until, "status": party_status,
                "source": source, "note": "not yet in force for this party (WTO: 01-Jan-9999)" if s.pending else None}})
    plan = [
        ("MERGE_AGREEMENTS", agreements),
        ("MERGE_INSTRUMENTS", instruments),
        ("IMPORT_DELETE_PARTIES_OF_INSTRUMENTS", owned),
        ("MERGE_PARTIES", parties),
    ]
    summary.counts = {"RTAs read": len(data.rtas), "agreements written": len(instruments),
                      **{f"  status {k}": v for k, v in sorted(statuses.items())},
                      "parties (PARTY_TO)": len(parties),
                      "signatory codes from": "long signatories file" if data.coded else "names in the graph"}
    summary.outcomes = {"RTAs skipped": dict(skipped)} if skipped else {}
    if unmatched:
        summary.outcomes["signatories not a Country or Bloc in the graph (no PARTY_TO)"] = dict(unmatched)
    return plan, summary


def import_wto_rta(store: Store, data: WtoRtaData, progress: bool = False) -> ImportSummary:
    """Agreements (one Agreement + Instrument per RTA) with per-party dates of signature and entry into force."""
    started = time.perf_counter()
    install_schema(store)
    countries = {r["code"]: r["name"] for r in store.read(queries.IMPORT_COUNTRY_NAMES)}
    plan, summary = wto_rta_plan(data, countries)
    summary.written = run_plan(store, plan, progress, "wto-rta")
    summary.seconds = time.perf_counter() - started
    return summary


def public_data_steps(root: Path) -> list[tuple[str, Callable[[Store], Any]]]:
    """The full import of the public files under their published names (the layout of
    ``eval-data``): HS lists 2012/2017/2022, UNSD correlations 2012->2017->2022, the UK Trade
    Tariff's rules of origin, the WTO RTA export, the EU-side (XI) rules of origin. Each step reads
    its file and imports it."""
    from seeds.formats.eu_roo import read_eu_roo
    from seeds.formats.hs_lists import read_hs_list
    from seeds.formats.uk_roo import read_uk_roo
    from seeds.formats.unsd import read_correlation
    from seeds.formats.wto_rta import read_wto_rta

    hs, corr = root / "hs", root / "correlation"
    return [
        ("hs-list HS2012 (Comtrade H4 JSON)",
         lambda s: import_hs_list(s, read_hs_list(hs / "comtrade_H4_HS2012_classification.json"))),
        ("hs-list HS2017 (Comtrade H5 JSON)",
         lambda s: import_hs_list(s, read_hs_list(hs / "comtrade_H5_HS2017_classification.json"))),
        ("hs-list HS2022 (datahub CSV)",
         lambda s: import_hs_list(s, read_hs_list(hs / "datahub_harmonized-system_HS2022.csv", "HS2022"))),
        ("unsd-correlation HS2012->HS2017 (xlsx)",
         lambda s: import_correlation(s, read_correlation(corr / "unsd_HS2017toHS2012ConversionAndCorrelationTables.xlsx"))),
        ("unsd-correlation HS2017->HS2022 (xlsx)",
         lambda s: import_correlation(s, read_correlation(
             corr / "unsd_HS2022toHS2017ConversionAndCorrelationTables.xlsx", "HS2017", "HS2022"))),
        ("uk-roo (44 schemes, 43 rule-set files)",
         lambda s: import_uk_roo(s, read_uk_roo(root / "roo" / "uk_trade_tariff_backend"))),
        ("wto-rta (AllRTAs.xlsx + signatories)",
         lambda s: import_wto_rta(s, read_wto_rta([root / "fta" / "wto_rta_AllRTAs.xlsx",
                                                   root / "fta" / "wto_rta_signatories_long.csv"]))),
        ("eu-roo (40 schemes, 42 rule-set files)",
         lambda s: import_eu_roo(s, read_eu_roo(root / "roo" / "ott_prototype_xi"))),
    ]


# --------------------------------------------------------------------------- PSR annex tables

PSR_STRUCTURED = "compiled to the rule syntax (machine-evaluable)"
PSR_TEXT_ONLY = "kept as text only (machine_evaluable=false)"


def _annex_targets(scope: AnnexScope, codes: list[str]) -> list[str]:
    """The codes of the edition's list (at the scope's level) that a code or range covers."""
    level = len(scope.low)
    return [c for c in codes if len(c) == level and scope.low <= c <= scope.high]


def psr_table_plan(table: PsrTable, instrument: str, hs_version: str, codes: list[str],
                   schedules: list[dict[str, Any]]) -> tuple[Plan, ImportSummary]:
    """The writes of one annex import: that instrument's PSRs of that edition replaced by the table's lines,
    each compiled by ``seeds.formats.rule_text`` (text only with the reason where it cannot be), and the
    annex recorded complete on the instrument's PSR schedule of that edition. ``schedules``: the
    (holder, hs_version) of every schedule in the instrument's AMENDS chain. Raises ``FormatError``
    (file:row: field: message) for codes not in the graph or a schedule that cannot take the annex."""
    from seeds.formats.rule_text import RuleText, compile_rule_set

    problems = Problems()
    summary = ImportSummary("psr", f"{table.file} ({instrument}, {hs_version})")
    own = {s["hs_version"] for s in schedules if s["holder"] == instrument and s["hs_version"]}
    chain = sorted({f"{s['hs_version']} ({s['holder']})" for s in schedules if s["hs_version"]})
    if hs_version not in own and chain:
        problems.add(table.file, None, "--hs-version",
                     f"{instrument} has no {hs_version} PSR schedule (its chain has {', '.join(chain)}): record the "
                     f"{hs_version} schedule with its dates in the instrument's seed (psr_schedules) first")
    known = set(codes)
    psrs, targets = [], []
    outcomes: dict[str, Counter] = {PSR_STRUCTURED: Counter(), PSR_TEXT_ONLY: Counter()}
    code_field = table.columns["code"]
    for line in table.lines:
        compiled = compile_rule_set([RuleText(line.rule_text)])
        if compiled.rule:
            outcomes[PSR_STRUCTURED]["rule text compiled exactly"] += len(line.scopes)
        else:
            outcomes[PSR_TEXT_ONLY][compiled.reason or "not compiled"] += len(line.scopes)
        for scope in line.scopes:
            covered = [scope.low] if scope.low == scope.high and scope.low in known else _annex_targets(scope, codes)
            if not covered:
                what = scope.low if scope.low == scope.high else f"any code of {scope.low}-{scope.high}"
                problems.add(table.file, line.row, code_field,
                             f"{what} is not an {hs_version} code in the graph (import the {hs_version} code list "
                             f"first: origingraph import hs-list ...)")
                continue
            uid = f"{instrument}:{hs_version}:annex:{scope.text}"
            psrs.append({"instrument": instrument, "props": {
                "uid": uid, "instrument": instrument, "hs_version": hs_version, "scope": scope.text, "ex": scope.ex,
                "rule": compiled.rule or line.rule_text,
                "criteria": criterion_to_json(parse_rule(compiled.rule)) if compiled.rule else None,
                "machine_evaluable": compiled.rule is not None, "reason": compiled.reason, "text": line.rule_text,
                "rule_notes": list(compiled.notes), "code_as_written": line.code_text,
                "description": line.description, "note": line.note, "valid_from": None, "valid_until": None,
                "source": f"{table.source}, row {line.row}"}})
            targets.extend({"psr": uid, "target": hs_uid(hs_version, c)} for c in covered)
    problems.check()
    annex = {"annex_coverage": "complete", "annex_covers": [],
             "annex_source": f"origingraph import psr {table.name}",
             "annex_note": f"{len(psrs)} PSR lines imported for {instrument} in {hs_version}"}
    created = {"from": None, "until": None, "transition_until": None,
               "source": f"origingraph import psr {table.name}",
               "note": "schedule created by the PSR import (the instrument recorded none): its dates are not known"}
    plan: Plan = [
        ("IMPORT_DELETE_PSRS_OF_EDITION", [{"instrument": instrument, "hs_version": hs_version}]),
        ("IMPORT_PSRS", psrs),
        ("IMPORT_PSR_TARGETS", targets),
        ("IMPORT_PSR_SCHEDULE_ANNEX", [{"instrument": instrument, "hs_version": hs_version, "annex": annex,
                                        "created": created}]),
    ]
    evaluable = sum(1 for p in psrs if p["props"]["machine_evaluable"])
    summary.counts = {"annex lines": len(table.lines), "PSRs written": len(psrs), "machine-evaluable": evaluable,
                      "text only": len(psrs) - evaluable, "title rows skipped": table.skipped_titles,
                      "APPLIES_TO links": len(targets),
                      "annex coverage": f"complete, recorded on the {instrument} {hs_version} schedule"
                                        + ("" if hs_version in own else " (created: the instrument had none)")}
    summary.outcomes = {k: dict(v) for k, v in outcomes.items() if v}
    return plan, summary


def import_psr_table(store: Store, table: PsrTable, instrument: str, hs_version: str,
                     progress: bool = False) -> ImportSummary:
    """An official annex table as the PSRs of ``instrument`` in ``hs_version`` (replacing its lines of that
    edition), with the annex recorded complete; all-or-nothing, idempotent."""
    started = time.perf_counter()
    install_schema(store)
    problems = Problems()
    schedules = store.read(queries.IMPORT_PSR_SCHEDULES_OF_CHAIN, instrument=instrument)
    if not schedules:
        problems.add(table.file, None, "--instrument", f"unknown instrument {instrument!r} (origingraph load first; "
                                                       "GET /v1/instruments lists the codes)")
    if not store.read(queries.IMPORT_HS_VERSION_EXISTS, version=hs_version):
        problems.add(table.file, None, "--hs-version", f"{hs_version} is not an HS edition in the graph")
    problems.check()
    codes = [r["code"] for r in store.read(queries.IMPORT_CODES_OF_VERSION, version=hs_version)]
    plan, summary = psr_table_plan(table, instrument, hs_version, codes, schedules)
    summary.written = run_plan(store, plan, progress, "psr")
    summary.seconds = time.perf_counter() - started
    return summary
