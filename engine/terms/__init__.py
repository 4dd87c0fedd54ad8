"""Agreement terms, one module per kind of term: each owns its model, its one list of names and
its decision, so a new kind of cumulation, proof or tolerance basis is edited in one place.

- ``cumulation``: kinds and which countries each reaches (``CUMULATION_KINDS``);
- ``proof``: proof options with their own FOB rule, and which are offered (``PROOF_KINDS``); the
  origin-criterion codes a proof shows (``CRITERION_BASES``);
- ``tolerance``: de minimis and its bases; ``fungible``: methods and scope of mixed stock;
- ``consignment``: direct consignment; ``records``: record retention;
- ``provisions``: every term of an instrument as one answer, with what is not recorded.

:class:`OriginTerms` is what an instrument carries whole: the seed schema extends it with its
source, the graph stores and returns it unchanged, the engine reads it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.terms.consignment import ConsignmentTerms
from engine.terms.fungible import FungibleTerms
from engine.terms.proof import CriterionCodes, FobRule, ProofOption
from engine.terms.tolerance import Tolerance

__all__ = ["OriginTerms"]


class OriginTerms(BaseModel):
    """The rules around the criteria that the engine applies for an instrument."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rvc_default_method: Literal["build-down", "build-up"] = "build-down"
    tolerance: Tolerance | None = None
    fungible: FungibleTerms | None = None
    consignment: ConsignmentTerms = ConsignmentTerms()
    proofs: tuple[ProofOption, ...] = ()
    fob_on_certificate: FobRule | None = None
    record_retention_years: dict[str, int] = Field(default_factory=dict)
    certificate_validity_months: int | None = None
    criterion_codes: CriterionCodes | None = None
    source: str | None = None
    """Where the terms come from (the seeds require it; the engine shows it)."""
