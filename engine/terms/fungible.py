"""Fungible stock: which inventory methods the agreement allows for mixed originating and
non-originating stock, and for what — materials only, or finished goods too. The accounting itself
(how much of a draw originates) is ``engine/fungible.py``; this module decides whether it may be
used at all. The methods are the one list :data:`FUNGIBLE_METHODS`, the scopes :data:`FUNGIBLE_SCOPES`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["FUNGIBLE_METHODS", "FUNGIBLE_SCOPES", "FungibleTerms", "fungible_refusal"]

FUNGIBLE_METHODS = ("fifo", "lifo", "average")
#: ``materials``: only materials taken from mixed stock; ``materials_and_goods``: finished goods too.
FUNGIBLE_SCOPES = ("materials", "materials_and_goods")


class FungibleTerms(BaseModel):
    """Which inventory methods the instrument allows for mixed stock, and for what."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    methods: tuple[Literal["fifo", "lifo", "average"], ...]
    scope: Literal["materials", "materials_and_goods"]
    article: str = ""
    needs_authorisation: bool = False
    note: str | None = None
    source: str | None = None


def fungible_refusal(terms: FungibleTerms | None, code: str, method: str, finished_goods: bool) -> str | None:
    """Why mixed stock may not be accounted for under ``code`` with ``method`` (None: it may).
    ``finished_goods``: the stock is of the exported good itself, not of a material."""
    if terms is None:
        return f"{code} has no accounting segregation provision"
    where = terms.article or code
    if finished_goods and terms.scope != "materials_and_goods":
        return f"{where} allows accounting segregation for materials only, not for finished goods"
    if method not in terms.methods:
        return f"method {method} is not allowed by {where} ({', '.join(terms.methods)})"
    return None
