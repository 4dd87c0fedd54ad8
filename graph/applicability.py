"""Which instruments apply between an exporter and an importer on a date: the graph side.

One statement gathers both countries' PARTY_TO facts (directly and through the blocs they belong
to on the date) with each instrument's AMENDS chain and the provisions of every text in those
chains with their reservations; ``engine.applicability`` decides from those facts. When an HS code
is given, a second statement finds the governing PSR under every instrument that applies. A batch
of lanes is read in one ``UNWIND`` (:func:`pair_facts_of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from engine.applicability import (
    Applied,
    InstrumentFacts,
    Membership,
    PartyFact,
    Pending,
    ProvisionFacts,
    ProvisionStatus,
    Reservation,
    decide_pair,
    provision_status,
)
from pydantic import BaseModel, ConfigDict

from engine.rules import GoverningRule, RuleStatus
from graph import queries
from graph.cache import cached_answer, graph_view
from graph.errors import UnknownCountry
from graph.psr import rule_answers
from graph.store import Store


class InstrumentRules(Applied):
    """An instrument that applies to the pair, with its provisions and (if an HS code was asked) the
    governing rule with its ``rule_status`` (``engine.rules.RuleStatus``) and why; ``psr`` is None when
    there is no rule to show (``no_rule``)."""

    provisions: tuple[ProvisionStatus, ...]
    psr: GoverningRule | None = None
    rule_status: RuleStatus | None = None
    rule_status_reason: str | None = None


class PairRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    exporter: str
    importer: str
    date: date
    hs: str | None = None
    hs_version: str | None = None
    instruments: tuple[InstrumentRules, ...]
    pending: tuple[Pending, ...]


class PairFacts(BaseModel):
    """What the graph says about a pair on a date, in one statement (``PAIR_FACTS_ON_DATE``): which of
    the two countries it knows, the instruments either takes part in (directly or through a bloc) with
    their AMENDS chains, and the provisions of every text in those chains with the reservations of
    any party involved. ``engine.applicability`` decides from these."""

    model_config = ConfigDict(frozen=True)

    known: frozenset[str]
    instruments: tuple[InstrumentFacts, ...]
    provisions: tuple[ProvisionFacts, ...]


Lane = tuple[str, str, date]


def _instrument_facts(rows: list[dict]) -> tuple[InstrumentFacts, ...]:
    by_code: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (r["instrument"]["code"], r["role"], r["membership"] is not None,
                                           r["party"])):
        inst = row["instrument"]
        entry = by_code.setdefault(inst["code"], {
            "code": inst["code"], "agreement": row["agreement"], "kind": inst.get("kind", ""),
            "title": inst.get("title", ""), "status": inst.get("status", ""),
            "entry_into_force": inst.get("entry_into_force") or "per_party",
            "pairing": inst.get("pairing") or "any", "expected": inst.get("expected"),
            "source": inst.get("source"), "chain": tuple(row["chain"]), "parties": [],
            "pair_dates": inst.get("pair_dates"), "remanufactured": inst.get("remanufactured")})
        party_to, membership = row["party_to"], row["membership"]
        entry["parties"].append(PartyFact(
            role=row["role"], country=row["country"], party=row["party"],
            via=Membership(bloc=row["party"], valid_from=membership["from"], valid_until=membership.get("until"),
                           source=membership.get("source")) if membership else None,
            **PartyFact.fields_of(party_to)))
    return tuple(InstrumentFacts(**{**e, "parties": tuple(e["parties"])}) for e in by_code.values())


def _provision_facts(rows: list[dict], reserved: list[dict]) -> tuple[ProvisionFacts, ...]:
    """The provisions with the reservations on each (read apart: a reservation is rare, and asking
    each provision for its own cost a quarter of the statement on the full UK data)."""
    by_provision: dict[str, list[dict]] = {}
    for x in reserved:
        by_provision.setdefault(x["provision"], []).append(x)
    return tuple(ProvisionFacts(
        instrument=r["instrument"], key=r["provision"]["key"], title=r["provision"].get("title", ""),
        article=r["provision"].get("article"), source=r["provision"].get("source"),
        extends_to=tuple(r["provision"].get("extends_to") or ()),
        accepts_declarations_under=tuple(r["provision"].get("accepts_declarations_under") or ()),
        reservations=tuple(Reservation(party=x["party"], **{k: x["reservation"].get(k) for k in
                                                           ("kind", "until", "source", "note")})
                           for x in sorted(by_provision.get(r["provision"]["uid"], ()), key=lambda x: x["party"])))
        for r in sorted(rows, key=lambda r: (r["instrument"], r["provision"]["key"])))


def pair_facts_of(store: Store, lanes: Iterable[Lane]) -> dict[Lane, PairFacts]:
    """The facts of every lane (exporter, importer, date), from the cache at the view's revision; the
    lanes not cached yet are read in one statement."""
    view = graph_view(store)
    out: dict[Lane, PairFacts] = {}
    missing: list[Lane] = []
    for lane in dict.fromkeys(lanes):
        found = view.peek(("pair_facts", *lane))
        if found is None:
            missing.append(lane)
        else:
            out[lane] = found
    if missing:
        rows = view.read(queries.PAIR_FACTS_ON_DATE, lanes=[
            {"exporter": e, "importer": i, "date": day.isoformat()} for e, i, day in missing])
        by_lane = {(r["exporter"], r["importer"], r["date"]): r for r in rows}
        for lane in missing:
            row = by_lane[(lane[0], lane[1], lane[2].isoformat())]
            facts = PairFacts(known=frozenset(row["known"]), instruments=_instrument_facts(row["parties"]),
                              provisions=_provision_facts(row["provisions"], row["reservations"]))
            out[lane] = view.answer(("pair_facts", *lane), lambda facts=facts: facts)
    return out


def _check_countries(facts: PairFacts, **codes: str) -> None:
    for field, code in codes.items():
        if code not in facts.known:
            raise UnknownCountry(f"unknown country code {code!r} for {field}: use ISO 3166-1 alpha-2 "
                                 "(e.g. MY, AU, DE)", field)


@cached_answer("rules_between")
def rules_between(store: Store, exporter: str, importer: str, day: date,
                  hs: str | None = None, hs_version: str | None = None) -> PairRules:
    """Instruments in force for the pair on ``day`` (newest amendment each), pending ones, provisions, PSRs.

    Two statements when nothing is cached: the pair's facts, then the rules of the code under every
    instrument that applies (``graph.psr.rule_answers``).
    """
    view = graph_view(store)
    facts = pair_facts_of(view, [(exporter, importer, day)])[(exporter, importer, day)]
    _check_countries(facts, exporter=exporter, importer=importer)
    by_code = {f.code: f for f in facts.instruments}
    decided = decide_pair(list(facts.instruments), day)
    questions = [(a.instrument, hs, hs_version, day) for a in decided.applied] if hs and hs_version else []
    answers = rule_answers(view, questions)

    instruments = []
    for applied in decided.applied:
        parties = {p.party for p in applied.parties} | {exporter, importer}
        chain = by_code[applied.instrument].chain
        provisions = provision_status([p for p in facts.provisions if p.instrument in chain], chain, parties, day)
        answer = answers[(applied.instrument, hs, hs_version, day)] if questions else None
        if isinstance(answer, Exception):
            raise answer
        instruments.append(InstrumentRules(**dict(applied), provisions=provisions,
                                           psr=answer.rule if answer else None,
                                           rule_status=answer.rule_status if answer else None,
                                           rule_status_reason=answer.status_reason if answer else None))
    return PairRules(exporter=exporter, importer=importer, date=day, hs=hs, hs_version=hs_version,
                     instruments=tuple(instruments), pending=decided.pending)
