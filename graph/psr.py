"""Which PSR governs an HS code under an instrument on a date, found in the graph.

The instrument's PSR schedule is written in one HS edition on a given date (PSR_SCHEDULE, inherited
along AMENDS); the product's code is first mapped into that edition through the lineage. Among
the PSRs that cover the mapped code (APPLIES_TO the code, its heading or its chapter), the newest
text in the amendment chain wins, then the most specific scope, an ``ex`` entry before its whole
heading. With no PSR, the instrument's general rule applies.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from engine.criteria import Criterion, criterion_from_json, parse_rule
from engine.models import Psr
from engine.rules import GoverningRule, PsrMatch
from graph import queries
from graph.cache import cached_answer
from graph.lineage import check_code, lineage
from graph.load import hs_uid
from graph.store import Store


def _match(row: dict) -> PsrMatch:
    p = row["psr"]
    return PsrMatch(
        psr=Psr(uid=p["uid"], instrument=p["instrument"], hs_version=p["hs_version"], scope=p["scope"],
                rule=p["rule"], criterion=criterion_from_json(p["criteria"]) if p.get("criteria") else None,
                source=p.get("source") or ""),
        defined_by=row["defined_by"], level=row["level"], ex=bool(p.get("ex")),
        valid_from=p.get("valid_from"), valid_until=p.get("valid_until"), note=p.get("note"),
        text_only_reason=None if p.get("criteria") else p.get("reason") or "not machine-evaluable",
    )


class GeneralRule(BaseModel):
    """An instrument's general rule (inherited along AMENDS) and the text that defines it."""

    model_config = ConfigDict(frozen=True)

    defined_by: str
    rule: str
    criterion: Criterion


@cached_answer("general_rule")
def general_rule_of(store: Store, instrument: str) -> GeneralRule | None:
    """The general rule of ``instrument`` (the newest text in its chain that sets one), or None."""
    rows = store.read(queries.GENERAL_RULE_OF_INSTRUMENT, instrument=instrument)
    if not rows:
        return None
    return GeneralRule(defined_by=rows[0]["defined_by"], rule=rows[0]["rule"], criterion=parse_rule(rows[0]["rule"]))


def _candidates(store: Store, instrument: str, version: str, code: str, day: str) -> list[PsrMatch]:
    """The governing PSR for one code first, then what a person may have to choose instead."""
    rows = store.read(queries.PSRS_COVERING_CODE_ON_DATE, uid=hs_uid(version, code), instrument=instrument,
                      date=day)
    if not rows:
        return []
    newest = [r for r in rows if r["depth"] == rows[0]["depth"]]
    best = _match(newest[0])
    if not best.ex:
        return [best]
    rest = next((_match(r) for r in newest[1:] if not r["psr"].get("ex")), None)
    return [best, rest] if rest else [best]


@cached_answer("governing_rule")
def governing_rule(store: Store, instrument: str, code: str, hs_version: str, day: date) -> GoverningRule | None:
    """The rule for ``code`` (in ``hs_version``) under ``instrument`` on ``day``; None if it has none."""
    check_code(store, code, hs_version)
    iso = day.isoformat()
    notes: list[str] = []
    schedules = store.read(queries.PSR_SCHEDULE_ON_DATE, instrument=instrument, date=iso)
    if schedules:
        schedule_version, defined_by = schedules[0]["hs_version"], schedules[0]["defined_by"]
        transition = schedules[0]["schedule"].get("transition_until")
        if transition and iso <= transition:
            notes.append(f"transition until {transition}: {schedules[0]['schedule'].get('note') or 'see source'}")
    else:
        schedule_version, defined_by = hs_version, None
        notes.append(f"no PSR schedule edition is recorded for {instrument} on {iso}; "
                     f"looked up in the product's edition {hs_version}")

    mapped = None
    targets: tuple[str, ...] = (code,)
    if schedule_version != hs_version:
        mapped = lineage(store, code, hs_version, schedule_version)
        targets = mapped.targets
        notes.append(f"{hs_version} {code} -> {schedule_version} {', '.join(targets) or '(none)'}: {mapped.reason}")

    general = general_rule_of(store, instrument)
    general_text = general.rule if general else None
    found = {t: c for t in targets if (c := _candidates(store, instrument, schedule_version, t, iso))}
    uncovered = [t for t in targets if t not in found]
    common = dict(instrument=instrument, code=code, hs_version=hs_version, schedule_version=schedule_version,
                  schedule_defined_by=defined_by, lineage=mapped)
    if found:
        first, *others = found.values()
        match = first[0]
        alternatives = tuple(first[1:]) + tuple(m for c in others for m in c if m.psr.rule != match.psr.rule)
        if match.psr.criterion is None:
            notes.append(f"the PSR for {match.psr.scope} is kept as text only ({match.text_only_reason}): "
                         "origin under it is for a person to judge")
        if match.ex:
            notes.append(f"{match.psr.scope} covers only part of the heading ({match.note or 'see source'}); "
                         "the alternative applies to the rest")
        if uncovered:
            notes.append(f"{schedule_version} {', '.join(uncovered)} has no PSR: the general rule "
                         f"{general_text or '(none recorded)'} applies to it")
        differs = bool(alternatives) or (bool(uncovered) and general_text != match.psr.rule)
        if mapped and mapped.ambiguous and not differs:
            notes.append("the mapping is ambiguous but every candidate code has the same rule")
        return GoverningRule(**common, rule=match.psr.rule, criterion=match.psr.criterion, general_rule=False,
                             match=match, alternatives=alternatives,
                             ambiguous=bool(mapped and mapped.ambiguous and differs), notes=tuple(notes))

    if general_text is None:
        return None
    notes.append(f"no PSR listed for this code; the general rule of {general.defined_by} applies")
    return GoverningRule(**common, rule=general_text, criterion=general.criterion, general_rule=True,
                         match=None, ambiguous=False, notes=tuple(notes))
