"""Record keeping: how many years the exporter must keep the records behind a proof of origin —
the instrument's per-country rule (``"*"`` for every party), or a proof's own longer-standing rule."""

from __future__ import annotations

__all__ = ["retention_years"]


def retention_years(by_country: dict[str, int], exporter: str) -> int | None:
    """The exporter's country's rule, else the agreement-wide ``"*"`` rule, else None (not sourced)."""
    return by_country.get(exporter, by_country.get("*"))
