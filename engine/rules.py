"""Which rule of origin governs a product under an instrument: the answer and how it was found."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from engine.criteria import Criterion
from engine.lineage import Lineage
from engine.models import Psr


class PsrMatch(BaseModel):
    """A PSR whose scope covers the code, with what made it a candidate."""

    model_config = ConfigDict(frozen=True)

    psr: Psr
    defined_by: str
    level: int
    ex: bool
    valid_from: date | None = None
    valid_until: date | None = None
    note: str | None = None
    text_only_reason: str | None = None


class GoverningRule(BaseModel):
    """The PSR (or the general rule) for ``code`` under ``instrument`` on a date.

    ``schedule_version`` is the HS edition the instrument's PSR schedule is written in on that
    date; when it differs from the product's edition, ``lineage`` shows how the code was mapped.
    ``alternatives`` are other candidates a person must choose between: the whole-heading rule
    behind an ``ex`` entry, or the rules of the other codes an ambiguous mapping leads to.
    ``criterion`` is None when the governing PSR is kept as text only.
    """

    model_config = ConfigDict(frozen=True)

    instrument: str
    code: str
    hs_version: str
    schedule_version: str
    schedule_defined_by: str | None
    lineage: Lineage | None
    rule: str
    criterion: Criterion | None
    general_rule: bool
    match: PsrMatch | None
    alternatives: tuple[PsrMatch, ...] = ()
    ambiguous: bool
    notes: tuple[str, ...] = ()
