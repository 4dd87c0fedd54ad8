"""One answer to "is this dated value in force on this day?", for every dated fact the engine reads.

A dated value holds from ``valid_from`` through ``valid_until``, both days included; a null end
is open (from the beginning of time, until further notice). Written once here, in the spirit of
OpenFisca's dated parameters, so a measure, a proof option, a suspension, a supplier declaration
and a party's entry into force all agree on what the boundary days mean.
"""

from __future__ import annotations

from datetime import date

__all__ = ["Dated", "in_force_on"]


def in_force_on(day: date, valid_from: date | None, valid_until: date | None) -> bool:
    """``valid_from <= day <= valid_until``, a null bound being open."""
    return (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until)


class Dated:
    """Mixin for models with ``valid_from`` / ``valid_until`` fields (inclusive, null = open).

    It declares no fields itself (pydantic would collect them): each model names its own, a
    model without an end simply has no ``valid_until``."""

    def in_force_on(self, day: date) -> bool:
        return in_force_on(day, getattr(self, "valid_from", None), getattr(self, "valid_until", None))
