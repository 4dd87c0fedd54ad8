"""Sourcing advice: for a product that does not originate under an instrument, the smallest
changes to its BOM that would make it originate, ranked by the value that has to move.

The search is over concrete BOM changes, never over numbers alone: each candidate is a changed
:class:`~engine.models.Product` judged by :func:`engine.evaluate.evaluate` with the same
:class:`~engine.models.Evaluation` inputs (instrument, PSR, cumulation, HS mappings), so a
suggestion is exactly as good as the verdict it was judged by. The atomic changes come from the
failing verdict: every non-originating BOM line can be made originating (a supplier declaration
when its country already counts, else sourcing it from the producer's country or a country an
applicable cumulation provision covers), a ``WO(items)`` material can be sourced wholly obtained,
and an unmet ``SP`` process can be declared as done by the producer. Small BOMs are searched
exhaustively in order of value; larger ones by single changes and greedy combinations (largest
value first, then pruned to a minimal set). Only minimal combinations are kept: no suggestion
contains another.

Pure: typed models in, :class:`Advice` out (no I/O; the graph layer re-checks every suggestion
by evaluating its BOM document the way ``POST /v1/origin/evaluate`` does).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from engine.criteria import (AllOf, AnyOf, Criterion, MadeFrom, MaxNom, NomLimit, NomWithinOm,
                             OriginatingMaterials, Rvc, SpecificProcess, TariffShift,
                             WhollyObtained, WhollyObtainedMaterials)
from engine.evaluate import _account, evaluate
from engine.models import Evaluation, Material, ProcessStep, Product, Shipment, SupplierDeclaration
from engine.verdict import CriterionResult, Verdict

__all__ = ["Advice", "BomChange", "CountedBy", "RuleGap", "Suggestion", "advise", "bom_document"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
EXHAUSTIVE_KEYS = 10
"""Up to this many changeable BOM lines (and processes) every combination is tried, in order of
value; above it, single changes and greedy combinations."""
BUDGET = 100_000
"""At most this many BOM lines are judged per question (candidate BOMs x lines: a bound on time
that keeps the answer deterministic); ``Advice.evaluated`` says how many BOMs were."""
PRUNED = 25
"""A greedy combination of up to this many changes is pruned one change at a time; a longer one is
kept as its shortest originating prefix."""
_EFFORT = {"process": 0, "declaration": 1, "wholly_obtained": 2, "source_from_party": 3}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CountedBy(_Frozen):
    """A country a material could come from and what counts it there: the producer's own country
    (``provision`` None) or a cumulation provision that applies to the pair on the date."""

    country: str
    provision: str | None = None
    kind: str | None = None


class BomChange(_Frozen):
    """One concrete change to the BOM.

    ``declaration``: the supplier of ``material`` in ``country`` gives a declaration under
    ``instrument`` valid on the shipment date (``provision`` counts that country; None: the
    producer's). ``source_from_party``: the material is bought originating, same code and value,
    from ``country`` (``also_from``: other countries that would count as well, each checked).
    ``wholly_obtained``: the material is sourced wholly obtained in ``country``. ``process``:
    ``process`` is carried out by the producer. ``value`` is the non-originating value that
    becomes originating.
    """

    kind: Literal["declaration", "source_from_party", "wholly_obtained", "process"]
    material: str | None = None
    value: Decimal
    country: str | None = None
    instrument: str | None = None
    provision: str | None = None
    cumulation_kind: str | None = None
    process: str | None = None
    also_from: tuple[CountedBy, ...] = ()
    description: str


class RuleGap(_Frozen):
    """A failing node of the rule and what it would take to meet it on its own.

    ``amount`` (in ``unit``: the currency, or kg for rules by weight) is at least what has to
    become originating; ``blocking`` the materials that make the node fail. For a tariff shift,
    ``tolerance_limit`` / ``tolerance_used`` are the instrument's de minimis and
    ``tolerance_would_cover`` the blocking materials that could stay non-originating under it
    (the smallest first) once the others are originating.
    """

    node: str
    text: str
    kind: Literal["rvc", "max_nom", "nom", "nom_within_om", "tariff_shift", "made_from",
                  "wholly_obtained_materials", "originating_materials", "specific_process",
                  "wholly_obtained"]
    reason: str
    amount: Decimal | None = None
    unit: str | None = None
    blocking: tuple[str, ...] = ()
    tolerance_limit: Decimal | None = None
    tolerance_used: Decimal | None = None
    tolerance_would_cover: tuple[str, ...] = ()


class Suggestion(_Frozen):
    """A minimal set of changes after which the product originates (``passed_by``)."""

    rank: int
    changes: tuple[BomChange, ...]
    value_moved: Decimal
    currency: str
    passed_by: str
    rvc_build_down_pct: Decimal
    nom_pct: Decimal
    summary: str
    product: Product


class Advice(_Frozen):
    """``status``: ``originating`` (no change needed), ``suggestions`` (ranked: least value moved,
    then fewest changes, then the least effort: a process, a declaration, a wholly obtained
    source, a new source), or ``no_fix`` with the ``reason``. ``evaluated`` counts the candidate
    BOMs judged; ``exhaustive`` says whether every combination was tried."""

    sku: str
    agreement: str
    instrument: str
    status: Literal["originating", "suggestions", "no_fix"]
    reason: str
    rule: str
    currency: str
    gaps: tuple[RuleGap, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    evaluated: int = 0
    exhaustive: bool = True


# --------------------------------------------------------------------------- advice


def advise(e: Evaluation, limit: int = 5, budget: int = BUDGET) -> Advice:
    """The smallest BOM changes that make ``e.product`` originate under ``e.instrument``."""
    verdict = evaluate(e)
    base = dict(sku=e.product.sku, agreement=e.instrument.agreement, instrument=e.instrument.code,
                rule=verdict.rule, currency=e.product.currency)
    if verdict.originating:
        return Advice(**base, status="originating",
                      reason=f"already originating under {e.instrument.code} by"
                             f" {verdict.passed_by}: no change needed")
    criterion = _criterion(e)
    if criterion is None:
        return Advice(**base, status="no_fix", reason=f"no rule to judge by under"
                                                      f" {e.instrument.code}: no change can be advised")
    gaps = _gaps(criterion, verdict, e)
    if not verdict.consignment.ok:
        return Advice(**base, status="no_fix", gaps=gaps,
                      reason=f"direct consignment fails ({verdict.consignment.reason}); no change"
                             " to the BOM can fix that: change the route")
    atoms = _atoms(e, verdict)
    if not atoms:
        return Advice(**base, status="no_fix", gaps=gaps,
                      reason="no BOM line can be changed to meet the rule: "
                             + _unmet(verdict))
    found, evaluated, exhaustive = _search(e, atoms, gaps, limit, budget)
    if not found:
        scope = "no combination of changes" if exhaustive else \
            f"no change found within {evaluated} candidate BOMs"
        return Advice(**base, status="no_fix", gaps=gaps, evaluated=evaluated,
                      exhaustive=exhaustive,
                      reason=f"{scope} to the BOM lines makes the product originate: "
                             + _unmet(verdict))
    suggestions = tuple(_suggestion(i, combo, product, v, e)
                        for i, (combo, product, v) in enumerate(found[:limit], 1))
    return Advice(**base, status="suggestions", gaps=gaps, suggestions=suggestions,
                  evaluated=evaluated, exhaustive=exhaustive,
                  reason=f"{len(suggestions)} way(s) to originate under {e.instrument.code},"
                         " least value moved first")


def _criterion(e: Evaluation) -> Criterion | None:
    return e.psr.criterion if e.psr else e.instrument.general_rule


def _unmet(verdict: Verdict) -> str:
    return verdict.criteria[0].reason if verdict.criteria else "no rule"


# --------------------------------------------------------------------------- gaps


def _walk(node: Criterion, path: str = "1") -> Iterator[tuple[str, Criterion]]:
    yield path, node
    if isinstance(node, AllOf | AnyOf):
        for i, child in enumerate(node.parts if isinstance(node, AllOf) else node.options, 1):
            yield from _walk(child, f"{path}.{i}")


def _gaps(criterion: Criterion, verdict: Verdict, e: Evaluation) -> tuple[RuleGap, ...]:
    results = {r.node: r for r in verdict.criteria}
    values = {a.material.id: a.non_originating_value
              for a in (_account(m, e.product.producer, e) for m in e.product.bom)}
    out = []
    for path, node in _walk(criterion):
        r = results.get(path)
        if r is None or r.passed or isinstance(node, AllOf | AnyOf):
            continue
        out.append(_gap(node, r, verdict, e, values))
    return tuple(out)


def _gap(node: Criterion, r: CriterionResult, verdict: Verdict, e: Evaluation,
         values: dict[str, Decimal]) -> RuleGap:
    n, p, money = verdict.numbers, e.product, e.product.currency
    common = dict(node=r.node, text=r.text, reason=r.reason, blocking=r.failures)
    if isinstance(node, Rvc):
        method = node.method or e.instrument.terms.rvc_default_method
        if method == "build-down":
            amount = n.vnm - p.fob * (_HUNDRED - node.threshold) / _HUNDRED
        else:
            amount = p.fob * node.threshold / _HUNDRED - n.vom
        return RuleGap(**common, kind="rvc", amount=amount, unit=money)
    if isinstance(node, MaxNom):
        base = p.fob if node.basis == "fob" else p.ex_works
        return RuleGap(**common, kind="max_nom", amount=n.vnm - base * node.percent / _HUNDRED,
                   unit=money)
    if isinstance(node, NomLimit):
        used, base = r.numbers.get("used"), r.numbers.get("base")
        amount = None if used is None else used - base * node.percent / _HUNDRED
        return RuleGap(**common, kind="nom", amount=amount,
                   unit="kg" if node.basis == "weight" else money)
    if isinstance(node, NomWithinOm):
        return RuleGap(**common, kind="nom_within_om", amount=(n.vnm - n.vom) / 2, unit=money)
    if isinstance(node, TariffShift):
        return _shift_gap(common, r, verdict, values)
    kinds = {MadeFrom: "made_from", WhollyObtainedMaterials: "wholly_obtained_materials",
             OriginatingMaterials: "originating_materials", SpecificProcess: "specific_process",
             WhollyObtained: "wholly_obtained"}
    kind = kinds[type(node)]
    if isinstance(node, OriginatingMaterials) and node.weight_percent is not None \
            and "total_kg" in r.numbers:
        needed = r.numbers["total_kg"] * node.weight_percent / _HUNDRED
        return RuleGap(**common, kind=kind, amount=needed - r.numbers["originating_kg"], unit="kg")
    if kind in ("made_from", "originating_materials", "wholly_obtained_materials"):
        return RuleGap(**common, kind=kind, amount=sum((values.get(m, _ZERO) for m in r.failures),
                                                   _ZERO), unit=money)
    return RuleGap(**common, kind=kind)


def _shift_gap(common: dict, r: CriterionResult, verdict: Verdict,
               values: dict[str, Decimal]) -> RuleGap:
    """The blocking materials, and how much of them must become originating for the
    instrument's tolerance to cover the rest (by weight: only the amount, in kg)."""
    money = verdict.numbers.currency
    used, limit = r.numbers.get("tolerance_used"), r.numbers.get("tolerance_limit")
    if used is None or limit is None:
        return RuleGap(**common, kind="tariff_shift", unit=money,
                   amount=sum((values.get(m, _ZERO) for m in r.failures), _ZERO))
    by_weight = verdict.numbers.tolerance_basis == "weight"
    covered, room = [], limit
    if not by_weight:
        for m in sorted(r.failures, key=lambda m: (values.get(m, _ZERO), m)):
            if values.get(m, _ZERO) <= room:
                covered.append(m)
                room -= values.get(m, _ZERO)
    return RuleGap(**common, kind="tariff_shift", amount=used - limit,
               unit="kg" if by_weight else money, tolerance_limit=limit, tolerance_used=used,
               tolerance_would_cover=tuple(covered))


# --------------------------------------------------------------------------- atomic changes


@dataclass(frozen=True)
class _Atom:
    """One change: ``key`` is what it changes (a BOM line, or a process), so a combination
    takes at most one atom per key."""

    key: str
    change: BomChange
    apply: Callable[[Product], Product]

    @property
    def value(self) -> Decimal:
        return self.change.value


def _counted_by(e: Evaluation, country: str | None) -> CountedBy | None:
    """What makes a declaration from ``country`` count (as the engine looks it up)."""
    if country is None:
        return None
    if country == e.product.producer:
        return CountedBy(country=country)
    for c in e.cumulation:
        if country in c.countries:
            return CountedBy(country=country, provision=c.provision, kind=c.kind)
    return None


def _declaration(e: Evaluation, country: str) -> SupplierDeclaration:
    day = e.shipment.date
    return SupplierDeclaration(instrument=e.instrument.code, country=country, valid_from=day,
                               valid_until=day)


def _replace(product: Product, material: str, build: Callable[[Material], Material]) -> Product:
    bom = tuple(build(m) if m.id == material else m for m in product.bom)
    return product.model_copy(update={"bom": bom})


def _atoms(e: Evaluation, verdict: Verdict) -> list[_Atom]:
    producer, currency = e.product.producer, e.product.currency
    criterion = _criterion(e)
    results = {r.node: r for r in verdict.criteria}
    not_wo = {m for path, node in _walk(criterion) if isinstance(node, WhollyObtainedMaterials)
              and not results[path].passed for m in results[path].failures}
    atoms: list[_Atom] = []
    for m in e.product.bom:
        a = _account(m, producer, e)
        value = a.non_originating_value
        if m.id in not_wo:
            atoms.append(_wholly_obtained(e, m, value, currency))
        if not a.non_originating:
            continue
        counted = _counted_by(e, m.origin)
        refused = m.declaration is not None and not m.declaration.originating
        if counted is not None and not m.components and not refused:
            atoms.append(_declare(e, m, value, currency, counted))
        else:
            atoms.append(_source(e, m, value, currency))
    declared = {s.process for s in e.product.processes if s.country in (None, producer)}
    for path, node in _walk(criterion):
        if isinstance(node, SpecificProcess) and not results[path].passed \
                and node.process not in declared:
            declared.add(node.process)
            atoms.append(_Atom(key=f"process:{node.process}", apply=_add_process(node.process),
                               change=BomChange(kind="process", value=_ZERO, process=node.process,
                                             country=producer,
                                             description=f"carry out {node.process} in"
                                                         f" {producer} (the producer)")))
    return atoms


def _add_process(process: str) -> Callable[[Product], Product]:
    def apply(product: Product) -> Product:
        steps = product.processes + (ProcessStep(process=process),)
        return product.model_copy(update={"processes": steps})
    return apply


def _amount(value: Decimal, currency: str) -> str:
    return f"{value} {currency}"


def _declare(e: Evaluation, m: Material, value: Decimal, currency: str,
             counted: CountedBy) -> _Atom:
    decl = _declaration(e, m.origin)
    by = "the producer's own country" if counted.provision is None else \
        f"counted by {counted.provision} ({counted.kind} cumulation)"
    had = m.declaration
    why = "" if had is None else (
        f" (the one held, {had.valid_from} to {had.valid_until} under {had.instrument}, does not"
        " count)")
    change = BomChange(kind="declaration", material=m.id, value=value, country=m.origin,
                    instrument=e.instrument.code, provision=counted.provision,
                    cumulation_kind=counted.kind,
                    description=f"get a supplier declaration for {m.id} ({_amount(value, currency)})"
                                f" from its supplier in {m.origin}, {by}, under"
                                f" {e.instrument.code}, valid on {e.shipment.date}{why}")
    return _Atom(key=m.id, change=change,
                 apply=lambda p: _replace(p, m.id, lambda x: x.model_copy(
                     update={"declaration": decl, "fungible": None})))


def _sourced(m: Material, country: str, decl: SupplierDeclaration) -> Material:
    return m.model_copy(update={"origin": country, "declaration": decl, "fungible": None,
                                "components": (), "processes_in": ()})


def _source(e: Evaluation, m: Material, value: Decimal, currency: str) -> _Atom:
    producer = e.product.producer
    decl = _declaration(e, producer)
    also = tuple(CountedBy(country=country, provision=c.provision, kind=c.kind)
                 for c in e.cumulation for country in c.countries
                 if country != producer and _counted_by(e, country).provision == c.provision)
    what = "made in-house and not originating; buy it" if m.components else "source it"
    change = BomChange(kind="source_from_party", material=m.id, value=value, country=producer,
                    instrument=e.instrument.code, also_from=also,
                    description=f"{m.id} ({_amount(value, currency)}, now"
                                f" {'from ' + m.origin if m.origin else 'of unknown origin'}"
                                f" and non-originating): {what} originating from {producer}"
                                f" (the producer) with a supplier declaration under"
                                f" {e.instrument.code}")
    return _Atom(key=m.id, change=change,
                 apply=lambda p: _replace(p, m.id, lambda x: _sourced(x, producer, decl)))


def _wholly_obtained(e: Evaluation, m: Material, value: Decimal, currency: str) -> _Atom:
    counted = _counted_by(e, m.origin)
    country = m.origin if counted is not None else e.product.producer
    change = BomChange(kind="wholly_obtained", material=m.id, value=value, country=country,
                    provision=counted.provision if counted else None,
                    cumulation_kind=counted.kind if counted else None,
                    description=f"source {m.id} ({_amount(m.value, currency)}) wholly obtained in"
                                f" {country}")
    return _Atom(key=f"wo:{m.id}", change=change, apply=lambda p: _replace(
        p, m.id, lambda x: x.model_copy(update={"wholly_obtained": True, "origin": country,
                                                "fungible": None, "components": ()})))


# --------------------------------------------------------------------------- search


_Found = tuple[tuple[_Atom, ...], Product, Verdict]


def _order(combo: tuple[_Atom, ...]) -> tuple:
    return (sum((a.value for a in combo), _ZERO), len(combo),
            sum(_EFFORT[a.change.kind] for a in combo), tuple(a.key for a in combo))


def _material_of(atom: _Atom) -> str:
    return atom.change.material or atom.key


def _lines(materials: tuple[Material, ...]) -> int:
    return sum(1 + _lines(m.components) for m in materials)


def _search(e: Evaluation, atoms: list[_Atom], gaps: tuple[RuleGap, ...], limit: int,
            budget: int) -> tuple[list[_Found], int, bool]:
    """Minimal combinations that originate, best first; how many BOMs were evaluated; whether
    every combination was considered (the first ``limit`` in order of value are then the best)."""
    tried: dict[frozenset, Verdict] = {}
    most = max(16, budget // max(1, _lines(e.product.bom)))

    def judge(combo: tuple[_Atom, ...]) -> tuple[Product, Verdict] | None:
        key = frozenset(id(a) for a in combo)
        product = e.product
        for atom in combo:
            product = atom.apply(product)
        if key not in tried:
            tried[key] = evaluate(e.model_copy(update={"product": product}))
        verdict = tried[key]
        return (product, verdict) if verdict.originating else None

    by_material: dict[str, list[_Atom]] = {}
    for atom in atoms:
        by_material.setdefault(_material_of(atom), []).append(atom)
    choices = [[None, *alts] for alts in by_material.values()]
    size = 1
    for c in choices:
        size *= len(c)
    found: list[_Found] = []

    def keep(combo: tuple[_Atom, ...]) -> None:
        hit = judge(combo)
        ids = {id(a) for a in combo}
        if hit is None or any({id(a) for a in f[0]} <= ids for f in found):
            return
        found[:] = [f for f in found if not ids <= {id(a) for a in f[0]}]
        found.append((combo, *hit))

    if len(by_material) <= EXHAUSTIVE_KEYS and size <= most:
        for combo in sorted((tuple(a for a in pick if a is not None)
                             for pick in itertools.product(*choices)), key=_order):
            if combo and not any({id(a) for a in f[0]} <= {id(a) for a in combo} for f in found):
                keep(combo)
                if len(found) >= limit:
                    break
        found.sort(key=lambda f: _order(f[0]))
        return found, len(tried), True
    for combo in _heuristic(atoms, gaps, judge, lambda: len(tried) < most):
        keep(combo)
    found.sort(key=lambda f: _order(f[0]))
    return found, len(tried), False


def _heuristic(atoms: list[_Atom], gaps: tuple[RuleGap, ...], judge,
               more: Callable[[], bool]) -> Iterator[tuple[_Atom, ...]]:
    """Candidates for a BOM too large to search whole: single changes that could close a gap on
    their own (a blocking line, a process, or a line worth at least the smallest value gap), then
    the shortest originating prefix of processes and lines by value, largest first (found by
    bisection: making more lines originating never loses origin), pruned to a minimal set when
    short."""
    money = [g.amount for g in gaps if g.amount is not None and g.amount > 0 and g.unit != "kg"]
    blocking = {m for g in gaps for m in g.blocking}
    least = min(money) if money else _ZERO
    for atom in sorted(atoms, key=lambda a: (a.value, _EFFORT[a.change.kind], a.key)):
        if not more():
            return
        if atom.change.kind == "process" or atom.change.material in blocking or atom.value >= least:
            yield (atom,)
    seen: set[str] = set()
    ordered = []
    for atom in sorted(atoms, key=lambda a: (a.change.kind != "process", -a.value,
                                             _EFFORT[a.change.kind], a.key)):
        if _material_of(atom) not in seen:
            seen.add(_material_of(atom))
            ordered.append(atom)
    if not more() or judge(tuple(ordered)) is None:
        return
    low, high = 0, len(ordered)
    while low + 1 < high and more():
        middle = (low + high) // 2
        if judge(tuple(ordered[:middle])) is not None:
            high = middle
        else:
            low = middle
    prefix = tuple(ordered[:high])
    yield _minimal(prefix, judge, more) if len(prefix) <= PRUNED else prefix


def _minimal(combo: tuple[_Atom, ...], judge, more: Callable[[], bool]) -> tuple[_Atom, ...]:
    """Drop changes (largest value first) while the product still originates."""
    kept = list(combo)
    for atom in sorted(combo, key=lambda a: (-a.value, a.key)):
        if not more():
            break
        trial = tuple(a for a in kept if a is not atom)
        if trial and judge(trial) is not None:
            kept = list(trial)
    return tuple(sorted(kept, key=lambda a: (-a.value, a.key)))


def _suggestion(rank: int, combo: tuple[_Atom, ...], product: Product, verdict: Verdict,
                e: Evaluation) -> Suggestion:
    counts = _provisions_that_count(combo, product, e)
    changes = tuple(_with_alternatives(a.change, counts) for a in
                    sorted(combo, key=lambda a: (-a.value, a.key)))
    moved = sum((c.value for c in changes), _ZERO)
    currency = e.product.currency
    summary = (f"{'; '.join(c.description for c in changes)}: {_amount(moved, currency)} moves"
               f" to originating, and the product originates under {e.instrument.code} by"
               f" {verdict.passed_by}")
    return Suggestion(rank=rank, changes=changes, value_moved=moved, currency=currency,
                      passed_by=verdict.passed_by, rvc_build_down_pct=verdict.numbers.rvc_build_down_pct,
                      nom_pct=verdict.numbers.nom_pct, summary=summary, product=product)


def _provisions_that_count(combo: tuple[_Atom, ...], product: Product,
                           e: Evaluation) -> set[str | None]:
    """The cumulation provisions under which the lines this suggestion sources from the producer
    could come from one of the provision's countries instead, the product still originating.

    Judged once per provision, with every such line moved to one of its countries: a line's
    originating status depends only on its own evidence, so the verdict is the same for any mix
    of sources each of which counts."""
    sourced = [a.change for a in combo if a.change.also_from]
    provisions: dict[str | None, str] = {}
    for change in sourced:
        for option in change.also_from:
            provisions.setdefault(option.provision, option.country)
    counts: set[str | None] = set()
    for provision, country in provisions.items():
        decl = _declaration(e, country)
        moved = product
        for change in sourced:
            if any(o.provision == provision for o in change.also_from):
                moved = _replace(moved, change.material, lambda x, c=country, d=decl: _sourced(x, c, d))
        if evaluate(e.model_copy(update={"product": moved})).originating:
            counts.add(provision)
    return counts


def _with_alternatives(change: BomChange, counts: set[str | None]) -> BomChange:
    """``also_from`` narrowed to the provisions that count, and named in the description."""
    if not change.also_from:
        return change
    kept = tuple(o for o in change.also_from if o.provision in counts)
    if kept:
        groups: dict[str, list[str]] = {}
        for o in kept:
            groups.setdefault(f"{o.provision} ({o.kind} cumulation)", []).append(o.country)
        more = "; or ".join(f"from {', '.join(cs)}, counted by {g}" for g, cs in groups.items())
        change = change.model_copy(update={"description": f"{change.description}; or {more}"})
    return change.model_copy(update={"also_from": kept})


# --------------------------------------------------------------------------- documents


def bom_document(product: Product, shipment: Shipment | None) -> dict[str, Any]:
    """``product`` (and ``shipment``) as a BOM document in the shape ``engine.bom_input`` reads
    from YAML / JSON: product fields, ``bom`` at the top level, values as text, defaults left
    out."""
    header = product.model_dump(mode="json", exclude_defaults=True, exclude={"bom"})
    document: dict[str, Any] = {"product": header,
                                "bom": [m.model_dump(mode="json", exclude_defaults=True)
                                        for m in product.bom]}
    if shipment is not None:
        document["shipment"] = shipment.model_dump(mode="json", exclude_defaults=True)
    return document
