"""Cumulation: which kinds there are, which countries each reaches, and whether it also counts
processing done there. The one list of kinds is :data:`CUMULATION_KINDS`; the seeds' provision keys
``cumulation.<kind>`` are validated against it, the graph asks :func:`reached_countries`, the
evaluation asks :func:`counts_processing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["CUMULATION_KINDS", "PREFIX", "Cumulation", "CumulationKind", "counts_processing",
           "cumulation_kind", "reached_countries"]

PREFIX = "cumulation."


class CumulationKind(NamedTuple):
    """``reach``: ``pair`` (exporter and importer only), ``parties`` (every party bound on the
    date), ``extends_to`` (the non-parties the provision names); ``processing``: work done in a
    reached country counts as originating content, not only its originating materials."""

    reach: Literal["pair", "parties", "extends_to"]
    processing: bool = False


#: The one list of cumulation kinds: a new kind is one entry here.
CUMULATION_KINDS: dict[str, CumulationKind] = {
    "bilateral": CumulationKind(reach="pair"),
    "diagonal": CumulationKind(reach="parties"),
    "full": CumulationKind(reach="parties", processing=True),
    "extended": CumulationKind(reach="extends_to"),
}


def cumulation_kind(key: str) -> str | None:
    """The kind a provision key names (``cumulation.full`` -> ``full``), None for a provision that is
    not cumulation; an unknown kind is an error (a typo would otherwise be silently ignored)."""
    if not key.startswith(PREFIX):
        return None
    kind = key.removeprefix(PREFIX)
    if kind not in CUMULATION_KINDS:
        raise ValueError(f"unknown cumulation kind {kind!r} in {key!r}: one of {', '.join(CUMULATION_KINDS)}")
    return kind


def reached_countries(kind: str, pair: Iterable[str], parties: Iterable[str],
                      extended: Iterable[str]) -> set[str]:
    """The countries whose originating materials (or processing) a provision of ``kind`` counts."""
    return set({"pair": pair, "parties": parties, "extends_to": extended}[CUMULATION_KINDS[kind].reach])


def counts_processing(kind: str) -> bool:
    return CUMULATION_KINDS[kind].processing


class Cumulation(BaseModel):
    """A cumulation provision that applies to this pair on this date.

    Materials originating in ``countries`` count as originating. Supplier declarations made
    under ``instruments`` (besides the evaluated one) are accepted for those countries, which
    is how extended cumulation reaches e.g. EU materials under EFTA-Mercosur. Only a kind that
    counts processing (``full``) also counts processing done in those countries.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    provision: str
    kind: str
    countries: tuple[str, ...]
    instruments: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    source: str = ""

    @field_validator("kind")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in CUMULATION_KINDS:
            raise ValueError(f"unknown cumulation kind {v!r}: one of {', '.join(CUMULATION_KINDS)}")
        return v
