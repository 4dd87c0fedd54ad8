"""Which instruments apply between an exporter and an importer on a date: the graph side.

One traversal gathers both countries' PARTY_TO facts (directly and through the blocs they belong
to on the date) with each instrument's AMENDS chain; ``engine.applicability`` decides from those
facts. Provisions and their per-party reservations are read for the instruments that apply, and,
when an HS code is given, the governing PSR of each.
"""

from __future__ import annotations

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
from graph.cache import cached_answer
from graph.errors import UnknownCountry
from graph.psr import rule_answer
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


def check_countries(store: Store, **codes: str) -> None:
    known = {row["code"] for row in store.read(queries.KNOWN_COUNTRIES, codes=list(codes.values()))}
    for field, code in codes.items():
        if code not in known:
            raise UnknownCountry(f"unknown country code {code!r} for {field}: use ISO 3166-1 alpha-2 "
                                 "(e.g. MY, AU, DE)", field)


def _instrument_facts(rows: list[dict]) -> list[InstrumentFacts]:
    by_code: dict[str, dict] = {}
    for row in rows:
        inst = row["instrument"]
        entry = by_code.setdefault(inst["code"], {
            "code": inst["code"], "agreement": row["agreement"], "kind": inst.get("kind", ""),
            "title": inst.get("title", ""), "status": inst.get("status", ""),
            "entry_into_force": inst.get("entry_into_force") or "per_party",
            "pairing": inst.get("pairing") or "any", "expected": inst.get("expected"),
            "source": inst.get("source"), "chain": tuple(row["chain"]), "parties": []})
        party_to, membership = row["party_to"], row["membership"]
        entry["parties"].append(PartyFact(
            role=row["role"], country=row["country"], party=row["party"],
            via=Membership(bloc=row["party"], valid_from=membership["from"], valid_until=membership.get("until"),
                           source=membership.get("source")) if membership else None,
            **PartyFact.fields_of(party_to)))
    return [InstrumentFacts(**{**e, "parties": tuple(e["parties"])}) for e in by_code.values()]


def _provisions(store: Store, chain: tuple[str, ...], parties: set[str]) -> list[ProvisionFacts]:
    rows = store.read(queries.PROVISIONS_OF_INSTRUMENTS, instruments=list(chain), parties=sorted(parties))
    return [ProvisionFacts(
        instrument=r["instrument"], key=r["provision"]["key"], title=r["provision"].get("title", ""),
        article=r["provision"].get("article"), source=r["provision"].get("source"),
        extends_to=tuple(r["provision"].get("extends_to") or ()),
        accepts_declarations_under=tuple(r["provision"].get("accepts_declarations_under") or ()),
        reservations=tuple(Reservation(party=x["party"], **{k: x["reservation"].get(k) for k in
                                                           ("kind", "until", "source", "note")})
                           for x in r["reservations"])) for r in rows]


@cached_answer("rules_between")
def rules_between(store: Store, exporter: str, importer: str, day: date,
                  hs: str | None = None, hs_version: str | None = None) -> PairRules:
    """Instruments in force for the pair on ``day`` (newest amendment each), pending ones, provisions, PSRs."""
    check_countries(store, exporter=exporter, importer=importer)
    rows = store.read(queries.INSTRUMENTS_OF_PAIR_ON_DATE, exporter=exporter, importer=importer,
                      date=day.isoformat())
    facts = {f.code: f for f in _instrument_facts(rows)}
    decided = decide_pair(list(facts.values()), day)

    instruments = []
    for applied in decided.applied:
        parties = {p.party for p in applied.parties} | {exporter, importer}
        chain = facts[applied.instrument].chain
        provisions = provision_status(_provisions(store, chain, parties), chain, parties, day)
        answer = rule_answer(store, applied.instrument, hs, hs_version, day) if hs and hs_version else None
        instruments.append(InstrumentRules(**dict(applied), provisions=provisions,
                                           psr=answer.rule if answer else None,
                                           rule_status=answer.rule_status if answer else None,
                                           rule_status_reason=answer.status_reason if answer else None))
    return PairRules(exporter=exporter, importer=importer, date=day, hs=hs, hs_version=hs_version,
                     instruments=tuple(instruments), pending=decided.pending)
