"""Which instruments apply between an exporter and an importer on a date, decided from graph facts.

The graph traversal (``graph.applicability``) gathers, for both countries, every PARTY_TO fact they
hold directly or through a bloc they belong to on the date, with each instrument's amendment
chain. This module applies the treaty logic to those facts:

- a party is bound on D when ``in_force_from <= D <= in_force_until`` (open-ended when null); for
  an instrument entering into force bilaterally, a pair is bound from the first day of the third
  month after the later of the two ratifications;
- two countries acting through the same party (two EU member states) trade outside the instrument,
  as do two parties on the same side of an ``across_sides`` agreement;
- among the instruments of one agreement in force for the pair, the newest in the amendment chain
  applies and the ones it amends keep running only for pairs it does not bind ("dual running");
- an instrument both countries are party to but that does not bind the pair yet is pending, with
  what is still missing.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from engine.dated import in_force_on
from engine.terms.remanufactured import RemanufacturedTerms, party_phases


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Membership(_Frozen):
    """A country acting through a bloc on the date (the MEMBER_OF fact used)."""

    bloc: str
    valid_from: date
    valid_until: date | None = None
    source: str | None = None


class PartyToFact(_Frozen):
    """The properties of a PARTY_TO relationship: a party's dated status under one instrument."""

    status: str | None = None
    side: str | None = None
    signed: date | None = None
    ratified: date | None = None
    in_force_from: date | None = None
    in_force_until: date | None = None
    source: str | None = None
    note: str | None = None
    confidence: str | None = None

    @classmethod
    def fields_of(cls, props: dict) -> dict:
        """The PARTY_TO properties among a relationship's ``props`` (as the graph returns them)."""
        return {k: props.get(k) for k in PartyToFact.model_fields}


class PartyFact(PartyToFact):
    """One country's PARTY_TO fact for an instrument, direct or through a bloc."""

    role: Literal["exporter", "importer"]
    country: str
    party: str
    via: Membership | None = None

    def bound_on(self, day: date) -> bool:
        return self.in_force_from is not None and in_force_on(day, self.in_force_from, self.in_force_until)

    def describe(self) -> str:
        through = f" through {self.party} (member since {self.via.valid_from})" if self.via else ""
        dates = f"in force from {self.in_force_from}" if self.in_force_from else f"status {self.status}"
        until = f" until {self.in_force_until}" if self.in_force_until else ""
        return f"{self.country}{through}: {dates}{until} [{self.source}]"


class PairDate(_Frozen):
    """The day an instrument binds two parties to each other when that differs from their own dates
    (CPTPP: GB from 2024-12-15, but the AU-GB pair only from 2024-12-24)."""

    parties: tuple[str, str]
    in_force_from: date
    source: str | None = None
    note: str | None = None


class InstrumentFacts(_Frozen):
    """An instrument one of the two countries takes part in, with the chain of texts it amends.
    ``pair_dates`` arrive as the graph stores them (a JSON list) or as models."""

    code: str
    agreement: str
    kind: str
    title: str
    status: str
    entry_into_force: str = "per_party"
    pairing: str = "any"
    expected: str | None = None
    source: str | None = None
    chain: tuple[str, ...] = ()
    parties: tuple[PartyFact, ...] = ()
    pair_dates: tuple[PairDate, ...] = ()
    remanufactured: RemanufacturedTerms | None = None

    @field_validator("remanufactured", mode="before")
    @classmethod
    def _stored_terms(cls, v: object) -> object:
        return json.loads(v) if isinstance(v, str) else v

    @field_validator("pair_dates", mode="before")
    @classmethod
    def _stored(cls, v: object) -> object:
        return json.loads(v) if isinstance(v, str) else (v or ())

    def pair_date(self, x: PartyFact, y: PartyFact) -> PairDate | None:
        """The pair's own date, matched on the parties (or countries) of either side."""
        return next((d for d in self.pair_dates if set(d.parties) in ({x.party, y.party}, {x.country, y.country})),
                    None)


class Reservation(_Frozen):
    party: str
    kind: Literal["excluded", "delayed"]
    until: date | None = None
    source: str | None = None
    note: str | None = None


class ProvisionFacts(_Frozen):
    instrument: str
    key: str
    title: str
    article: str | None = None
    source: str | None = None
    extends_to: tuple[str, ...] = ()
    accepts_declarations_under: tuple[str, ...] = ()
    reservations: tuple[Reservation, ...] = ()


class ProvisionStatus(_Frozen):
    key: str
    title: str
    article: str | None
    defined_by: str
    applies: bool
    reason: str
    source: str | None = None
    extends_to: tuple[str, ...] = ()
    accepts_declarations_under: tuple[str, ...] = ()


class Applied(_Frozen):
    agreement: str
    instrument: str
    title: str
    status: Literal["in_force"] = "in_force"
    in_force_for_pair_from: date
    supersedes: tuple[str, ...] = ()
    explanation: tuple[str, ...]
    parties: tuple[PartyFact, ...]
    remanufactured: tuple[str, ...] = ()


class Pending(_Frozen):
    agreement: str
    instrument: str
    title: str
    status: str
    missing: tuple[str, ...]
    expected: str | None = None
    parties: tuple[PartyFact, ...]
    remanufactured: tuple[str, ...] = ()


class PairInstruments(_Frozen):
    applied: tuple[Applied, ...]
    pending: tuple[Pending, ...]


def first_of_third_month_after(day: date) -> date:
    month = day.month + 3
    return date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _pick(facts: InstrumentFacts, role: str) -> PartyFact | None:
    """The country's own PARTY_TO fact wins over one through a bloc."""
    mine = [p for p in facts.parties if p.role == role]
    return min(mine, key=lambda p: p.via is not None, default=None)


def _pair_entry(facts: InstrumentFacts, x: PartyFact, y: PartyFact) -> date | None:
    own = facts.pair_date(x, y)
    if own is not None and x.in_force_from is not None and y.in_force_from is not None:
        return max(own.in_force_from, x.in_force_from, y.in_force_from)
    if facts.entry_into_force == "bilateral":
        if x.ratified is None or y.ratified is None:
            return None
        return first_of_third_month_after(max(x.ratified, y.ratified))
    if x.in_force_from is None or y.in_force_from is None:
        return None
    return max(x.in_force_from, y.in_force_from)


def _pair_ends(x: PartyFact, y: PartyFact) -> date | None:
    ends = [d for d in (x.in_force_until, y.in_force_until) if d is not None]
    return min(ends, default=None)


def _missing(facts: InstrumentFacts, x: PartyFact, y: PartyFact, day: date, entry: date | None) -> tuple[str, ...]:
    if facts.status == "concluded":
        gaps = ["signature and ratification by the parties"]
    elif facts.entry_into_force == "bilateral":
        gaps = [f"{p.party}: ratification (entry into force for the pair is the first day of the third "
                f"month after both have ratified)" for p in (x, y) if p.ratified is None]
    else:
        gaps = []
        for p in (x, y):
            if p.in_force_from is None:
                gaps.append(f"{p.party}: entry into force (status {p.status}; date not yet known)")
            elif p.in_force_from > day:
                gaps.append(f"{p.party}: enters into force on {p.in_force_from}")
    if entry is not None and entry > day and not gaps:
        own = facts.pair_date(x, y)
        gaps.append(f"pair bound only from {entry}" + (f" (the pair's own date [{own.source}])" if own else ""))
    if facts.expected:
        gaps.append(f"expected: {facts.expected}")
    return tuple(dict.fromkeys(gaps))


def _remanufactured(facts: InstrumentFacts, x: PartyFact, y: PartyFact, entry: date | None) -> tuple[str, ...]:
    return party_phases(facts.remanufactured, (x.country, y.country), entry) if facts.remanufactured else ()


def decide_pair(instruments: list[InstrumentFacts], day: date) -> PairInstruments:
    """Applied and pending instruments for the pair on ``day``; see the module docstring."""
    bound: dict[str, tuple[InstrumentFacts, PartyFact, PartyFact, date]] = {}
    waiting: list[Pending] = []
    for facts in sorted(instruments, key=lambda f: f.code):
        x, y = _pick(facts, "exporter"), _pick(facts, "importer")
        if x is None or y is None or x.party == y.party:
            continue
        if facts.pairing == "across_sides" and (x.side is None or x.side == y.side):
            continue
        entry = _pair_entry(facts, x, y)
        ends = _pair_ends(x, y)
        if not in_force_on(day, None, ends):
            continue
        if facts.status != "concluded" and entry is not None and in_force_on(day, entry, ends):
            bound[facts.code] = (facts, x, y, entry)
        else:
            waiting.append(Pending(agreement=facts.agreement, instrument=facts.code, title=facts.title,
                                   status=facts.status, missing=_missing(facts, x, y, day, entry),
                                   expected=facts.expected, parties=(x, y),
                                   remanufactured=_remanufactured(facts, x, y, None)))

    superseded = {older for facts, *_ in bound.values() for older in facts.chain[1:] if older in bound}
    applied = []
    for code, (facts, x, y, entry) in sorted(bound.items()):
        if code in superseded:
            continue
        replaced = tuple(c for c in facts.chain[1:] if c in bound)
        own = facts.pair_date(x, y)
        explanation = [x.describe(), y.describe(), f"bound as a pair from {entry}"
                       + (f" (the pair's own date, not the parties' [{own.source}])" if own else "")]
        if replaced:
            explanation.append(f"{code} amends {', '.join(replaced)} and binds both, so it applies instead")
        applied.append(Applied(agreement=facts.agreement, instrument=code, title=facts.title,
                               in_force_for_pair_from=entry, supersedes=replaced,
                               explanation=tuple(explanation), parties=(x, y),
                               remanufactured=_remanufactured(facts, x, y, entry)))
    return PairInstruments(applied=tuple(applied), pending=tuple(sorted(waiting, key=lambda p: p.instrument)))


def provision_status(provisions: list[ProvisionFacts], chain: tuple[str, ...], parties: set[str],
                     day: date) -> tuple[ProvisionStatus, ...]:
    """Whether each provision of the instrument (or of a text it amends) applies to the pair on ``day``.

    The newest text in the chain that defines a provision key is the one that counts; a party of
    the pair that excludes it, or delays it past ``day``, switches it off for the pair.
    """
    rank = {code: i for i, code in enumerate(chain)}
    newest: dict[str, ProvisionFacts] = {}
    for provision in sorted(provisions, key=lambda p: rank.get(p.instrument, len(chain))):
        newest.setdefault(provision.key, provision)

    out = []
    for key, provision in sorted(newest.items()):
        blocking = []
        for r in provision.reservations:
            if r.party not in parties:
                continue
            if r.kind == "excluded":
                blocking.append(f"{r.party} excludes it [{r.source}]")
            elif r.until is not None and in_force_on(day, None, r.until):
                blocking.append(f"{r.party} delays it until {r.until} [{r.source}]")
        reason = "; ".join(blocking) if blocking else "no reservation by either party applies on this date"
        out.append(ProvisionStatus(key=key, title=provision.title, article=provision.article,
                                   defined_by=provision.instrument, applies=not blocking, reason=reason,
                                   source=provision.source, extends_to=provision.extends_to,
                                   accepts_declarations_under=provision.accepts_declarations_under))
    return tuple(out)
