"""Remanufactured goods: which parties of an instrument apply its remanufactured-goods provisions,
when, as dated per-party data (ATIGA upgrade: BN, MY and SG at entry into force; the others first
consult within a number of years of entry into force, then conclude within a further number).
The phases are the one list :data:`PHASES`; :func:`party_phases` is the decision shown in answers."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PHASES", "RemanufacturedParty", "RemanufacturedTerms", "party_phases"]

#: ``at_entry_into_force``: applied from the instrument's entry into force for the party;
#: ``after_consultation``: consultations start within ``consult_within_years`` of entry into force
#: and conclude within ``conclude_within_years`` of their start (no date to apply from yet).
PHASES = ("at_entry_into_force", "after_consultation")


class RemanufacturedParty(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    parties: tuple[str, ...] = Field(min_length=1)
    phase: Literal["at_entry_into_force", "after_consultation"]
    consult_within_years: int | None = Field(default=None, ge=1)
    conclude_within_years: int | None = Field(default=None, ge=1)


class RemanufacturedTerms(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    article: str | None = None
    source: str
    phases: tuple[RemanufacturedParty, ...]


def _describe(p: RemanufacturedParty) -> str:
    if p.phase == "at_entry_into_force":
        return "applies them from the protocol's entry into force"
    return (f"starts consultations within {p.consult_within_years} years of entry into force and concludes them"
            f" within {p.conclude_within_years} years; no date to apply from yet")


def party_phases(terms: RemanufacturedTerms, pair: tuple[str, str], in_force_from: date | None) -> tuple[str, ...]:
    """For each country of the pair, its phase; while the protocol is pending (``in_force_from``
    None) every phase is pending too."""
    out = []
    for country in pair:
        phase = next((p for p in terms.phases if country in p.parties), None)
        if phase is None:
            out.append(f"{country}: no remanufactured-goods phase recorded [{terms.source}]")
            continue
        when = "pending: the protocol is not in force; then " if in_force_from is None else \
            f"in force from {in_force_from}: "
        out.append(f"{country} ({phase.phase}): {when}{_describe(phase)} [{terms.source}]")
    return tuple(out)
