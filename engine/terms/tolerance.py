"""Tolerance (de minimis): how much non-originating material that fails the change of tariff
classification a good may contain. The evaluation applies it (``engine/evaluate.py``); the bases
it is measured against are the one list :data:`TOLERANCE_BASES`."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TEXTILE_CHAPTERS", "TOLERANCE_BASES", "Tolerance", "tolerance_basis"]

TOLERANCE_BASES = ("fob", "ex_works")
#: HS chapters 50-63, where a ``textile_weight_percent`` rule measures by weight instead.
TEXTILE_CHAPTERS = range(50, 64)


class Tolerance(BaseModel):
    """De minimis: CTC-failing non-originating materials up to ``percent`` of ``basis``
    (by weight, ``textile_weight_percent`` of all materials' weight, for HS chapters 50-63
    when set)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    percent: Decimal = Field(ge=0, le=100)
    basis: Literal["fob", "ex_works"]
    textile_weight_percent: Decimal | None = Field(default=None, ge=0, le=100)
    article: str = ""


def tolerance_basis(tolerance: Tolerance | None, hs: str) -> str | None:
    """What the tolerance of a good of ``hs`` is measured against: ``fob``, ``ex_works``,
    ``weight`` (textiles with a weight rule), or None without a tolerance."""
    if tolerance is None:
        return None
    textile = int(hs[:2]) in TEXTILE_CHAPTERS
    return "weight" if textile and tolerance.textile_weight_percent is not None else tolerance.basis
