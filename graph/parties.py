"""Instruments and their parties: listings, and recording a party's ratification or entry into force.

A recorded status is written as a seed load writes it (``graph.load``): the ``PARTY_TO`` fact's
properties whole, in one managed transaction, so applicability reads it at once. A later
``origingraph load`` writes the seeds' own facts again, so a status worth keeping belongs in the
seed files too.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict

from engine.applicability import PartyToFact
from graph import queries
from graph.errors import NotFound, UnknownCountry, UnknownInstrument
from graph.load import fact_props
from graph.store import Store
from seeds.schema import PartyStatus


class PartyEntry(PartyToFact):
    """One party's PARTY_TO fact for an instrument."""

    instrument: str
    party: str
    name: str | None = None
    kind: Literal["country", "bloc"]


class InstrumentSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    agreement: str
    kind: str | None = None
    title: str | None = None
    status: str | None = None
    amends: str | None = None
    entry_into_force: str | None = None
    source: str | None = None
    parties: int
    parties_by_status: dict[str, int]


def _summary(row: dict) -> InstrumentSummary:
    statuses = [s for s in row["party_statuses"] if s is not None]
    return InstrumentSummary(
        **{k: row[k] for k in ("code", "agreement", "kind", "title", "status", "amends", "entry_into_force",
                               "source")},
        parties=len(row["party_statuses"]), parties_by_status=dict(sorted(Counter(statuses).items())))


def _entry(instrument: str, row: dict) -> PartyEntry:
    return PartyEntry(instrument=instrument, party=row["party"], name=row.get("name"),
                      kind="bloc" if row["bloc"] else "country", **PartyEntry.fields_of(row["party_to"]))


def check_agreement(store: Store, code: str, field: str = "agreement") -> None:
    if not store.read(queries.AGREEMENT_EXISTS, code=code):
        known = ", ".join(r["code"] for r in store.read(queries.AGREEMENT_CODES))
        raise UnknownInstrument(f"unknown agreement {code!r}; known: {known}", field)


def instrument_summary(store: Store, code: str, field: str = "code") -> InstrumentSummary:
    rows = store.read(queries.INSTRUMENT_BY_CODE, code=code)
    if not rows:
        raise UnknownInstrument(f"unknown instrument {code!r}: GET /v1/instruments lists the instrument codes "
                                "(e.g. AANZFTA, AANZFTA-P2, RCEP)", field)
    return _summary(rows[0])


def list_instruments(store: Store, limit: int, offset: int,
                     agreement: str | None = None) -> tuple[int, list[InstrumentSummary]]:
    """(total, one page) of instruments ordered by code, optionally of one agreement."""
    if agreement is not None:
        check_agreement(store, agreement)
    total = store.read(queries.COUNT_INSTRUMENTS, agreement=agreement)[0]["total"]
    rows = store.read(queries.INSTRUMENTS_PAGE, agreement=agreement, limit=limit, offset=offset)
    return total, [_summary(r) for r in rows]


def list_parties(store: Store, instrument: str, limit: int, offset: int) -> tuple[int, list[PartyEntry]]:
    """(total, one page) of an instrument's parties ordered by code."""
    instrument_summary(store, instrument)
    total = store.read(queries.COUNT_PARTIES_OF_INSTRUMENT, instrument=instrument)[0]["total"]
    rows = store.read(queries.PARTIES_OF_INSTRUMENT_PAGE, instrument=instrument, party=None, limit=limit,
                      offset=offset)
    return total, [_entry(instrument, r) for r in rows]


def check_party(store: Store, party: str, field: str = "party") -> None:
    if not store.read(queries.PARTY_EXISTS, code=party):
        raise UnknownCountry(f"unknown party {party!r}: use an ISO 3166-1 alpha-2 country code (e.g. MY, AU) "
                             "or a bloc code (e.g. EU, EFTA, ASEAN)", field)


def party_entry(store: Store, instrument: str, party: str) -> PartyEntry:
    instrument_summary(store, instrument)
    check_party(store, party)
    rows = store.read(queries.PARTIES_OF_INSTRUMENT_PAGE, instrument=instrument, party=party, limit=1, offset=0)
    if not rows:
        raise NotFound(f"{party} has no recorded status under {instrument}", "party")
    return _entry(instrument, rows[0])


def record_party_status(store: Store, instrument: str, party: str, fact: PartyStatus) -> tuple[PartyEntry, bool]:
    """Write ``party``'s status under ``instrument`` (replacing the fact whole); (entry, created)."""
    instrument_summary(store, instrument)
    check_party(store, party)
    props = fact_props(fact, side=fact.side, signed=fact.signed, ratified=fact.ratified,
                   in_force_from=fact.in_force_from, in_force_until=fact.in_force_until, status=fact.status)

    def write(tx) -> tuple[dict, bool]:
        row = tx.run(queries.RECORD_PARTY_STATUS, party=party, instrument=instrument, props=props).single()
        return dict(row["party_to"]), bool(row["created"])

    _, created = store.write_tx(write)
    return party_entry(store, instrument, party), created
