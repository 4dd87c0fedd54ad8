"""Which rule of origin governs a product under an instrument: the answer and how it was found."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from engine.criteria import Criterion
from engine.lineage import Lineage
from engine.models import Psr


RuleStatus = Literal["psr", "general_rule", "annex_not_loaded", "text_only", "no_rule"]
"""How far an answer's rule can be trusted, in one word:

- ``psr``: a machine-evaluable PSR of the loaded annex governs the code;
- ``general_rule``: the annex for the schedule's HS edition is loaded and lists no PSR for the code,
  so the instrument's general rule governs it;
- ``annex_not_loaded``: no annex for that edition (or not for the code's part of it) is in the graph:
  the general rule, if any, is shown provisionally and a verdict on it is provisional;
- ``text_only``: the governing PSR could not be compiled: its text is shown, there is no verdict;
- ``no_rule``: neither a PSR nor a general rule is recorded for the code: there is no verdict.
"""


class AnnexCoverage(BaseModel):
    """How much of the annex of one PSR schedule edition the graph holds (``seeds.schema.AnnexCoverage``
    as stored on a PSR_SCHEDULE, or recorded by an import of a whole annex)."""

    model_config = ConfigDict(frozen=True)

    holder: str
    hs_version: str
    coverage: Literal["complete", "partial"]
    covers: tuple[str, ...] = ()
    source: str | None = None

    def covers_code(self, code: str) -> bool:
        return self.coverage == "complete" or any(code.startswith(c) for c in self.covers)


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
    ``criterion`` is None when the governing PSR is kept as text only. ``rule_status`` says how far
    the rule can be trusted (see :data:`RuleStatus`) and ``status_reason`` why, in a planner's words;
    ``provisional`` is true when the rule shown is the general rule but the annex is not loaded.
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
    rule_status: RuleStatus
    status_reason: str
    provisional: bool = False
    annex: AnnexCoverage | None = None


class RuleAnswer(BaseModel):
    """The governing rule of a code under an instrument (None: there is none to show) and its status."""

    model_config = ConfigDict(frozen=True)

    rule: GoverningRule | None
    rule_status: RuleStatus
    status_reason: str
