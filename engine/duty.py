"""Landed duty: the base rate (MFN or a preference) and every overlay stacked on it, each named.

Pure: measures in (as the graph stores them, see ``seeds/README.md`` "Tariff measures"), a
:class:`DutyQuery` in, a :class:`DutyResult` out. Rates are percentages ad valorem as ``Decimal``;
amounts are rounded to 0.01 (ROUND_HALF_UP) for display, rates never are.

How a line's duty is built, in order:

1. **Select.** Only measures of the importer whose ``scope`` covers the line (the scope is a
   prefix of the national line, or of the 6-digit HS code) and that are valid on the date
   (inclusive range) count. Within one kind and programme the most specific measure wins: a
   measure naming the origin beats one for every origin (``*``), then a longer scope beats a
   shorter one. A measure whose scope is *longer* than what the caller knows (a national line
   under the 6-digit code) cannot be decided and is reported as a note.
2. **Base.** The MFN rate, or, when the goods originate under an instrument and a preferential
   rate is seeded for it, that rate (the year's stage when the rate is staged).
3. **Overlays**, per programme, with their stacking rule:

   - ``additive``: the rate is added (minus any part ``suspended`` on the date);
   - ``top_up_to``: the overlay adds what brings the base to ``all_in`` percent and nothing at
     or above it (EU / Japan under the US reciprocal tariff);
   - ``replaces_base``: the rate replaces an MFN base (Mexico's non-FTA tariff); it does not
     touch a preferential base.

   An overlay is not applied when the goods originate under one of its
   ``exempt_if_originating`` instruments (USMCA-qualifying goods), when an ``exemption`` measure
   switches its programme off for the line (US agricultural products), or when a programme it
   names in ``not_with`` is applied (Section 232 goods are outside the reciprocal tariff).
   Overlays without ``not_with`` are decided first.
4. A layer whose rate is not seeded (``rate`` null) makes the result ``complete = False``: the
   landed rate shown is then a lower bound, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from engine.dated import Dated, in_force_on
from engine.models import Country

__all__ = [
    "BASE_STACKING",
    "NO_STACKING",
    "OVERLAY_STACKING",
    "STACKING_KINDS",
    "STACKING_PARAMETERS",
    "DutyLayer",
    "DutyQuery",
    "DutyResult",
    "Stage",
    "Suspension",
    "TariffMeasure",
    "landed_duty",
    "measure_in_force",
    "scope_covers",
]

Line = Annotated[str, StringConstraints(pattern=r"^\d{6,10}$")]
CENT = Decimal("0.01")
ZERO = Decimal(0)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Stage(_Frozen):
    """From ``valid_from`` (inclusive) the rate is ``rate`` until the next stage starts."""

    valid_from: date
    rate: Decimal = Field(ge=0)


class Suspension(_Frozen, Dated):
    """``rate`` points of the measure are not collected on ``valid_from``..``valid_until``."""

    rate: Decimal = Field(ge=0)
    valid_from: date | None = None
    valid_until: date | None = None
    source: str = ""


class TariffMeasure(_Frozen, Dated):
    """One dated tariff fact for an importer and a scope of goods (see ``seeds/README.md``)."""

    uid: str
    kind: Literal["mfn", "preferential", "overlay", "exemption"]
    programme: str
    importer: Country
    scope: Annotated[str, StringConstraints(pattern=r"^(\*|\d{2,10})$")]
    hs_version: str
    title: str = ""
    origins: tuple[str, ...] = ("*",)
    origins_except: tuple[str, ...] = ()
    instrument: str | None = None
    rate: Decimal | None = Field(default=None, ge=0)
    staging: tuple[Stage, ...] = ()
    stacking: str = "base"
    all_in: Decimal | None = Field(default=None, ge=0)
    suspended: Suspension | None = None
    exempt_if_originating: tuple[str, ...] = ()
    not_with: tuple[str, ...] = ()
    exempts: tuple[str, ...] = ()
    partial: bool = False
    valid_from: date | None = None
    valid_until: date | None = None
    source: str = ""
    note: str | None = None
    confidence: str | None = None

    @field_validator("stacking")
    @classmethod
    def _known_stacking(cls, v: str) -> str:
        if v not in STACKING_KINDS:
            raise ValueError(f"unknown stacking {v!r}: one of {', '.join(STACKING_KINDS)}")
        return v

    @model_validator(mode="after")
    def _overlay_stacks(self) -> TariffMeasure:
        if self.kind == "overlay" and self.stacking not in OVERLAY_STACKING:
            raise ValueError(f"overlay {self.uid} needs stacking: {' | '.join(OVERLAY_STACKING)}")
        return self


class DutyQuery(_Frozen):
    """One entry: goods of ``origin`` (the country of origin, i.e. where they were produced)
    under ``hs`` (6 digits, the measures' HS edition) entering ``importer`` on ``date``.

    ``preference`` is the instrument whose preferential rate is claimed (the goods originate
    under it; ``preference_chain`` adds the texts it amends, whose rate schedules it keeps).
    ``originating_under`` lists every instrument the goods originate under, including ones the
    caller declares (e.g. USMCA), for overlays exempting such goods.
    """

    importer: Country
    origin: Country
    date: date
    hs: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    national_line: Line | None = None
    customs_value: Decimal = Field(ge=0)
    currency: str
    preference: str | None = None
    preference_chain: tuple[str, ...] = ()
    originating_under: tuple[str, ...] = ()


class DutyLayer(_Frozen):
    """One named layer. ``applied`` false: the measure exists but does not add duty here, and
    ``reason`` says why (exempted, suspended to zero, not stacked, topped up already)."""

    step: int
    kind: Literal["mfn", "preferential", "overlay", "exemption"]
    measure: str | None
    programme: str
    title: str
    rule: str
    rate: Decimal | None
    amount: Decimal | None
    applied: bool
    reason: str
    source: str = ""
    confidence: str | None = None


class DutyResult(_Frozen):
    """The landed duty of one entry and how it was built; ``savings_vs_mfn`` compares it with
    the same entry without a preference (MFN base plus the same overlays)."""

    importer: str
    origin: str
    date: date
    hs: str
    national_line: str | None
    basis: Literal["mfn", "preferential"]
    instrument: str | None
    customs_value: Decimal
    currency: str
    layers: tuple[DutyLayer, ...]
    rate: Decimal | None
    amount: Decimal | None
    complete: bool
    mfn_rate: Decimal | None
    mfn_amount: Decimal | None
    savings_vs_mfn: Decimal | None
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- selection


def measure_in_force(m: TariffMeasure, day: date) -> bool:
    return m.in_force_on(day)


def scope_covers(scope: str, hs: str, national_line: str | None) -> bool:
    """The scope (``*``: all goods; a chapter, heading, subheading or national line) covers the line."""
    return scope == "*" or (national_line or hs).startswith(scope)


def _origin_rank(m: TariffMeasure, origin: str) -> int | None:
    """2: names the origin; 1: every origin ('*'); None: not for this origin."""
    if origin in m.origins_except:
        return None
    if origin in m.origins:
        return 2
    return 1 if "*" in m.origins else None


def _select(measures: Sequence[TariffMeasure], q: DutyQuery) -> tuple[list[TariffMeasure], list[str]]:
    """The measures that decide this entry: one per (kind, programme, instrument), most specific."""
    notes: list[str] = []
    best: dict[tuple[str, str, str | None], tuple[tuple[int, int], TariffMeasure]] = {}
    for m in measures:
        if m.importer != q.importer or not measure_in_force(m, q.date):
            continue
        if not scope_covers(m.scope, q.hs, q.national_line):
            if m.scope.startswith(q.national_line or q.hs) and _origin_rank(m, q.origin) is not None:
                notes.append(f"{m.uid} covers national line {m.scope} only; give the national line to decide "
                             f"whether it applies ({m.title or m.programme})")
            continue
        rank = _origin_rank(m, q.origin) if m.kind in ("overlay", "exemption") else 1
        if rank is None:
            continue
        key = (m.kind, m.programme, m.instrument if m.kind == "preferential" else None)
        specificity = (rank, 0 if m.scope == "*" else len(m.scope))
        if key not in best or specificity > best[key][0]:
            best[key] = (specificity, m)
    chosen = sorted((m for _, m in best.values()), key=lambda m: (m.kind, m.programme, m.uid))
    return chosen, notes


def _stage_rate(m: TariffMeasure, day: date) -> tuple[Decimal | None, str]:
    stages = sorted((s for s in m.staging if in_force_on(day, s.valid_from, None)), key=lambda s: s.valid_from)
    if stages:
        return stages[-1].rate, f"stage from {stages[-1].valid_from}"
    return m.rate, ""


def _pct(rate: Decimal | None) -> str:
    return "rate not seeded" if rate is None else f"{rate.normalize():f}%"


def _amount(value: Decimal, rate: Decimal | None) -> Decimal | None:
    return None if rate is None else (value * rate / 100).quantize(CENT, ROUND_HALF_UP)


# --------------------------------------------------------------------------- stacking


def _build(chosen: list[TariffMeasure], q: DutyQuery, preferential: TariffMeasure | None,
           mfn: TariffMeasure | None) -> tuple[list[DutyLayer], Decimal | None, bool, list[str]]:
    layers: list[DutyLayer] = []
    notes: list[str] = []
    complete = True

    def add(m: TariffMeasure | None, kind, programme: str, title: str, rule: str, rate: Decimal | None,
            applied: bool, reason: str) -> None:
        layers.append(DutyLayer(step=len(layers), kind=kind, measure=m.uid if m else None, programme=programme,
                                title=title, rule=rule, rate=rate if applied else None,
                                amount=_amount(q.customs_value, rate) if applied else None, applied=applied,
                                reason=reason, source=m.source if m else "",
                                confidence=m.confidence if m else None))

    # base
    if preferential is not None:
        base_rate, stage = _stage_rate(preferential, q.date)
        add(preferential, "preferential", preferential.programme, preferential.title or f"{q.preference} preference",
            f"preferential rate under {preferential.instrument}" + (f" ({stage})" if stage else ""), base_rate,
            True, f"the goods originate under {q.preference}")
        basis_is_mfn = False
    elif mfn is not None:
        base_rate, stage = _stage_rate(mfn, q.date)
        add(mfn, "mfn", mfn.programme, mfn.title or "MFN", "MFN (general) rate" + (f" ({stage})" if stage else ""),
            base_rate, True, "no preference claimed" if q.preference is None else
            f"no preferential rate seeded for {q.preference}: MFN applies")
        basis_is_mfn = True
    else:
        base_rate = None
        basis_is_mfn = True
        layers.append(DutyLayer(step=0, kind="mfn", measure=None, programme="MFN", title="MFN",
                                rule="MFN (general) rate", rate=None, amount=None, applied=True,
                                reason=f"no MFN rate seeded for {q.importer} {q.national_line or q.hs}"))
    if base_rate is None:
        complete = False

    overlays = [m for m in chosen if m.kind == "overlay"]
    exemptions = [m for m in chosen if m.kind == "exemption"]
    switched_off = {p: e for e in exemptions for p in e.exempts}
    applied_programmes: set[str] = set()
    base_after = base_rate
    # overlays with no precedence rule first, so `not_with` sees what they applied
    for m in sorted(overlays, key=lambda m: (bool(m.not_with), m.programme, m.uid)):
        title = m.title or m.programme
        qualifying = sorted(set(m.exempt_if_originating) & set(q.originating_under))
        blocking = sorted(set(m.not_with) & applied_programmes)
        if qualifying:
            add(m, "overlay", m.programme, title, _rule(m), None, False,
                f"exempt: the goods originate under {', '.join(qualifying)}")
            continue
        if m.programme in switched_off:
            e = switched_off[m.programme]
            add(m, "overlay", m.programme, title, _rule(m), None, False,
                f"exempt for this line from {e.valid_from or 'an unrecorded date'} by {e.uid} "
                f"({e.title or e.programme})")
            layers[-1] = layers[-1].model_copy(update={"source": f"{m.source}; exemption: {e.source}"})
            if e.partial:
                notes.append(f"{e.uid} exempts only listed lines under {e.scope} ({e.note or 'see its source'}): "
                             f"check the national line")
            continue
        if blocking:
            add(m, "overlay", m.programme, title, _rule(m), None, False,
                f"not stacked: the goods bear {', '.join(blocking)}")
            continue
        rate, reason = _overlay_rate(m, q, base_after, basis_is_mfn)
        replaces_base = OVERLAY_STACKING[m.stacking].replaces_base
        if replaces_base and not basis_is_mfn:
            add(m, "overlay", m.programme, title, _rule(m), None, False, reason)
            continue
        if rate is None:
            complete = False
        if replaces_base:
            # the new rate stands in place of the MFN base: record the difference as this layer
            delta = None if rate is None or base_after is None else rate - base_after
            add(m, "overlay", m.programme, title, _rule(m), delta, True, reason)
            base_after = rate
        else:
            add(m, "overlay", m.programme, title, _rule(m), rate, True, reason)
        applied_programmes.add(m.programme)
        if m.partial:
            notes.append(f"{m.uid} covers only part of {m.scope} ({m.note or 'see its source'}): check the "
                         f"national line")
    total = None if not complete else sum((layer.rate or ZERO) for layer in layers if layer.applied)
    if complete is False:
        known = [layer.rate for layer in layers if layer.applied and layer.rate is not None]
        notes.append("a layer's rate is not seeded: the landed rate is unknown (at least "
                     f"{_pct(sum(known, ZERO))})")
    return layers, total, complete, notes


def _rule(m: TariffMeasure) -> str:
    return OVERLAY_STACKING[m.stacking].rule(m)


def _overlay_rate(m: TariffMeasure, q: DutyQuery, base: Decimal | None,
                  basis_is_mfn: bool) -> tuple[Decimal | None, str]:
    return OVERLAY_STACKING[m.stacking].rate(m, q, base, basis_is_mfn)


def _top_up_rule(m: TariffMeasure) -> str:
    return f"top-up to {_pct(m.all_in)} all-in (nothing extra when the base is at or above it)"


def _top_up_rate(m: TariffMeasure, q: DutyQuery, base: Decimal | None,
                 basis_is_mfn: bool) -> tuple[Decimal | None, str]:
    if m.all_in is None or base is None:
        return None, "top-up cannot be computed: base or all-in rate not seeded"
    extra = max(ZERO, m.all_in - base)
    if extra == 0:
        return ZERO, f"base {_pct(base)} is at or above {_pct(m.all_in)}: nothing extra"
    return extra, f"base {_pct(base)} + {_pct(extra)} = {_pct(m.all_in)} all-in"


def _replaces_rule(m: TariffMeasure) -> str:
    return f"replaces the MFN rate with {_pct(m.rate)}"


def _replaces_rate(m: TariffMeasure, q: DutyQuery, base: Decimal | None,
                   basis_is_mfn: bool) -> tuple[Decimal | None, str]:
    if not basis_is_mfn:
        return None, "the goods enter under a preference: the non-FTA rate does not apply"
    return m.rate, f"rate for goods of {q.origin} raised to {_pct(m.rate)} in place of the MFN rate"


def _additive_rule(m: TariffMeasure) -> str:
    text = f"additive {_pct(m.rate)}"
    if m.suspended:
        s = m.suspended
        text += f", of which {_pct(s.rate)} suspended {s.valid_from or '...'} to {s.valid_until or '...'}"
    return text


def _additive_rate(m: TariffMeasure, q: DutyQuery, base: Decimal | None,
                   basis_is_mfn: bool) -> tuple[Decimal | None, str]:
    rate = m.rate
    if rate is None:
        return None, "applies, but its rate is not seeded"
    s = m.suspended
    if s and s.in_force_on(q.date):
        collected = max(ZERO, rate - s.rate)
        return collected, (f"{_pct(rate)} of which {_pct(s.rate)} suspended until {s.valid_until}: "
                           f"{_pct(collected)} collected")
    if s and s.valid_until and q.date > s.valid_until:
        return rate, f"suspension of {_pct(s.rate)} ended {s.valid_until}: full {_pct(rate)}"
    return rate, f"{_pct(rate)} on goods of {q.origin}"


class Stacking(NamedTuple):
    """How an overlay kind stacks: the rule it states, the rate it adds, and whether it stands in
    place of an MFN base (then it does not apply on a preferential base). ``parameter``: the measure
    field this kind reads besides ``rate`` (``top_up_to``: ``all_in``), with ``parameter_hint`` for the
    seed error; the seed schema requires it on this kind and refuses it on every other."""

    rule: Callable[[TariffMeasure], str]
    rate: Callable[[TariffMeasure, DutyQuery, Decimal | None, bool], tuple[Decimal | None, str]]
    replaces_base: bool = False
    parameter: str | None = None
    parameter_hint: str = ""


#: The one list of overlay stacking kinds (``seeds/tariff_schema.py`` validates against it): a
#: new kind is one entry here with its two functions.
OVERLAY_STACKING: dict[str, Stacking] = {
    "additive": Stacking(_additive_rule, _additive_rate),
    "top_up_to": Stacking(_top_up_rule, _top_up_rate, parameter="all_in", parameter_hint="the all-in rate, e.g. 15"),
    "replaces_base": Stacking(_replaces_rule, _replaces_rate, replaces_base=True),
}
#: The stacking of a base rate (MFN, preferential), and of an exemption, which stacks nothing.
BASE_STACKING, NO_STACKING = "base", "none"
#: Every stacking a measure may carry: base rates, the overlays, and ``none`` (exemptions).
STACKING_KINDS: tuple[str, ...] = (BASE_STACKING, *OVERLAY_STACKING, NO_STACKING)
#: Each overlay parameter with the kinds that read it (``all_in``: ``top_up_to``).
STACKING_PARAMETERS: dict[str, tuple[str, ...]] = {
    p: tuple(k for k, v in OVERLAY_STACKING.items() if v.parameter == p)
    for p in dict.fromkeys(v.parameter for v in OVERLAY_STACKING.values() if v.parameter)}


# --------------------------------------------------------------------------- entry point


def landed_duty(measures: Sequence[TariffMeasure], query: DutyQuery) -> DutyResult:
    """The landed duty of one entry, with every layer named, and its savings versus MFN."""
    chosen, notes = _select(measures, query)
    mfn = next((m for m in chosen if m.kind == "mfn"), None)
    chain = (query.preference, *query.preference_chain) if query.preference else ()
    preferential = None
    for code in chain:  # the newest text with its own rate schedule wins
        preferential = next((m for m in chosen if m.kind == "preferential" and m.instrument == code), None)
        if preferential:
            break

    mfn_query = query.model_copy(update={"preference": None, "preference_chain": ()})
    mfn_layers, mfn_rate, mfn_complete, mfn_notes = _build(chosen, mfn_query, None, mfn)
    if query.preference is None:
        layers, rate, complete, extra = mfn_layers, mfn_rate, mfn_complete, mfn_notes
    else:
        layers, rate, complete, extra = _build(chosen, query, preferential, mfn)
        if preferential is None:
            extra = [f"no preferential rate is seeded for {query.preference} on {query.importer} "
                     f"{query.national_line or query.hs}: the preference's value is unknown"] + extra
            complete = False
            rate = None
    amount = _amount(query.customs_value, rate)
    mfn_amount = _amount(query.customs_value, mfn_rate)
    savings = None if amount is None or mfn_amount is None else mfn_amount - amount
    return DutyResult(
        importer=query.importer, origin=query.origin, date=query.date, hs=query.hs,
        national_line=query.national_line, basis="preferential" if preferential else "mfn",
        instrument=preferential.instrument if preferential else None, customs_value=query.customs_value,
        currency=query.currency, layers=tuple(layers), rate=rate, amount=amount, complete=complete,
        mfn_rate=mfn_rate, mfn_amount=mfn_amount, savings_vs_mfn=savings,
        notes=tuple(dict.fromkeys(notes + extra)))
