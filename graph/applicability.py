"""Which instruments apply between an exporter and an importer on a date: the graph side.

One statement gathers each country's PARTY_TO facts (directly and through the blocs it belongs
to on the date) with each instrument's AMENDS chain and the provisions of every text in those
chains with their reservations, cached per country and date; a pair's facts are its two sides'
(:func:`pair_facts_of`), and ``engine.applicability`` decides from them. When an HS code is given,
a second statement finds the governing PSR under every instrument that applies. The countries of a
batch of lanes are read in one ``UNWIND``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import NamedTuple

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
from graph.cache import Row, cached_answer, frozen_rows, graph_view
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
    """What the graph says about a pair on a date, from its two countries' facts (:class:`SideFacts`):
    which of the two countries it knows, the instruments either takes part in (directly or through a bloc) with
    their AMENDS chains, and the provisions of every text in those chains with the reservations of
    any party involved. ``engine.applicability`` decides from these."""

    model_config = ConfigDict(frozen=True)

    known: frozenset[str]
    instruments: tuple[InstrumentFacts, ...]
    provisions: tuple[ProvisionFacts, ...]


Lane = tuple[str, str, date]


def _instrument_facts(rows: list[Mapping]) -> tuple[InstrumentFacts, ...]:
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


def _provision_facts(rows: list[Mapping], reserved: list[Mapping]) -> tuple[ProvisionFacts, ...]:
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
    """The facts of every lane (exporter, importer, date), from the cache at the view's revision; a
    lane not cached yet is put together from its two countries' facts (:func:`side_facts_of`)."""
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
        sides = side_facts_of(view, [(country, day) for e, i, day in missing for country in (e, i)])
        for lane in missing:
            facts = _pair_facts(lane, sides[(lane[0], lane[2])], sides[(lane[1], lane[2])])
            out[lane] = view.answer(("pair_facts", *lane), lambda facts=facts: facts)
    return out


class SideFacts(NamedTuple):
    """One country's facts on a date, as ``SIDE_FACTS_ON_DATE`` returns them (read-only :class:`Row` maps):
    whether the graph knows it, its PARTY_TO facts (directly and through the blocs it belongs to on the
    date) with each instrument's AMENDS chain, and the provisions of every text in those chains with
    every party's reservations on them. Cached per country and date, so every lane into GB reads GB's
    45 instruments once."""

    known: bool
    parties: tuple[Row, ...]
    provisions: tuple[Row, ...]
    reservations: tuple[Row, ...]


def side_facts_of(store: Store, sides: Iterable[tuple[str, date]]) -> dict[tuple[str, date], SideFacts]:
    """The facts of every (country, date), from the cache at the view's revision; those not cached yet
    are read in one statement."""
    view = graph_view(store)
    out: dict[tuple[str, date], SideFacts] = {}
    missing: list[tuple[str, date]] = []
    for side in dict.fromkeys(sides):
        found = view.peek(("side_facts", *side))
        if found is None:
            missing.append(side)
        else:
            out[side] = found
    if missing:
        rows = view.read(queries.SIDE_FACTS_ON_DATE, sides=[{"code": c, "date": day.isoformat()} for c, day in missing])
        by_side = {(r["country"], r["date"]): r for r in rows}
        for side in missing:
            row = by_side[(side[0], side[1].isoformat())]
            facts = SideFacts(bool(row["known"]), *(frozen_rows(row[k]) for k in ("parties", "provisions", "reservations")))
            out[side] = view.answer(("side_facts", *side), lambda facts=facts: facts)
    return out


def _pair_facts(lane: Lane, exporter: SideFacts, importer: SideFacts) -> PairFacts:
    """A lane's facts from its two sides: the parties of both, with their roles; the provisions of every
    text either side's chains reach; the reservations of the parties involved and of the two countries."""
    sides = (("exporter", lane[0], exporter), ("importer", lane[1], importer))
    parties = [{**row, "role": role, "country": country} for role, country, side in sides for row in side.parties]
    reserving = {row["party"] for row in parties} | {lane[0], lane[1]}
    read_from: dict[str, int] = {}  # a provision both sides reach comes from the first, with its reservations
    provisions = [r for n, (_, _, side) in enumerate(sides) for r in side.provisions
                  if read_from.setdefault(r["provision"]["uid"], n) == n]
    reserved = [x for n, (_, _, side) in enumerate(sides) for x in side.reservations
                if read_from.get(x["provision"]) == n and x["party"] in reserving]
    return PairFacts(known=frozenset(country for _, country, side in sides if side.known),
                     instruments=_instrument_facts(parties), provisions=_provision_facts(provisions, reserved))


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
    instrument that applies (``graph.psr.rule_answers``). A code's answer is the pair's (cached once
    per lane: which instruments bind it and their provisions do not depend on the code) with each
    instrument's rule added.
    """
    view = graph_view(store)
    if hs and hs_version:
        pair = rules_between(view, exporter, importer, day)
        answers = rule_answers(view, [(item.instrument, hs, hs_version, day) for item in pair.instruments])
        instruments = []
        for item in pair.instruments:
            answer = answers[(item.instrument, hs, hs_version, day)]
            if isinstance(answer, Exception):
                raise answer
            instruments.append(item.model_copy(update={"psr": answer.rule, "rule_status": answer.rule_status,
                                                       "rule_status_reason": answer.status_reason}))
        return pair.model_copy(update={"hs": hs, "hs_version": hs_version, "instruments": tuple(instruments)})
    facts = pair_facts_of(view, [(exporter, importer, day)])[(exporter, importer, day)]
    _check_countries(facts, exporter=exporter, importer=importer)
    by_code = {f.code: f for f in facts.instruments}
    decided = decide_pair(list(facts.instruments), day)
    instruments = []
    for applied in decided.applied:
        parties = {p.party for p in applied.parties} | {exporter, importer}
        chain = by_code[applied.instrument].chain
        provisions = provision_status([p for p in facts.provisions if p.instrument in chain], chain, parties, day)
        instruments.append(InstrumentRules(**dict(applied), provisions=provisions))
    return PairRules(exporter=exporter, importer=importer, date=day, instruments=tuple(instruments),
                     pending=decided.pending)
