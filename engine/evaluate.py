"""Decide whether a product originates under one instrument, and explain why.

The order is the legal one: the originating status of each material first (in-house
intermediates under their own rule, supplier declarations, cumulation, fungible stock), then
the valuation (VNM, VOM), then every node of the rule tree, then direct consignment and the
proof of origin. Every node is evaluated even when an earlier alternative passed, because the
explanation of a failed alternative is what a planner needs to change sourcing.

Conservative by design: a material counts as originating only with evidence (wholly obtained
in the producer or a cumulating country, or a supplier declaration valid on the shipment
date); doubt is reported in ``warnings``, never resolved in the exporter's favour.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

from engine.consignment import check_consignment, transit_warnings
from engine.criteria import (AllOf, AnyOf, Criterion, MaxNom, Rvc, SpecificProcess,
                             TariffShift, WhollyObtained, exception_matches, render_rule)
from engine.fungible import allocate, share
from engine.models import CodeMapping, Cumulation, Evaluation, Material, Product, Psr, TraceFact
from engine.proof import proof_requirement
from engine.verdict import (CriterionResult, CumulatedMaterial, FungibleUse, Numbers,
                            Qualification, Trace, Verdict)

__all__ = ["evaluate"]

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_DIGITS = {"chapter": 2, "heading": 4, "subheading": 6}
_TEXTILE_CHAPTERS = range(50, 64)


def evaluate(e: Evaluation) -> Verdict:
    """The verdict for ``e.product`` under ``e.instrument`` (pure and deterministic).

    Raises :class:`engine.fungible.FungibleError` when a material uses more than its
    fungible stock holds: that is an input error, not a question of origin.
    """
    consignment = check_consignment(e.shipment, e.instrument)
    q, needs_rvc = _qualify(e.product, e.psr, e)
    proof = proof_requirement(e.shipment, e.instrument, needs_rvc)
    fields = {name: getattr(q, name) for name in Qualification.model_fields}
    fields.update(originating=q.originating and consignment.ok,
                  warnings=_unique(q.warnings + transit_warnings(e.shipment, e.instrument)))
    # Every value is already validated (the qualification, the engine's own models): construct,
    # do not validate the whole tree again.
    return Verdict.model_construct(**fields, agreement=e.instrument.agreement, instrument=e.instrument.code,
                                   consignment=consignment, proof=proof, trace=Trace(facts=_unique(e.facts)))


# --------------------------------------------------------------------------- materials


@dataclass(frozen=True)
class _Account:
    """How one BOM line counts: its originating and non-originating value, and why.

    ``partner_value`` is the part of the non-originating value that is processing done in a
    full-cumulation partner: it moves from VNM to VOM, but the material stays non-originating
    for the tariff-shift test.
    """

    material: Material
    non_originating: bool
    originating_value: Decimal
    non_originating_value: Decimal
    partner_value: Decimal = _ZERO
    non_originating_qty: Decimal = _ZERO
    cumulated: tuple[CumulatedMaterial, ...] = ()
    fungible: FungibleUse | None = None
    intermediate: Qualification | None = None
    warnings: tuple[str, ...] = ()

    @property
    def vnm(self) -> Decimal:
        return self.non_originating_value - self.partner_value

    @property
    def vom(self) -> Decimal:
        return self.originating_value + self.partner_value


def _account(m: Material, producer: str, e: Evaluation) -> _Account:
    if m.components:
        return _intermediate(m, producer, e)
    if m.fungible is not None:
        base = _fungible(m, e)
    else:
        base = _standing(m, producer, e)
    return _partner_processing(base, e) if base.non_originating else base


def _originating(m: Material, **extra) -> _Account:
    return _Account(material=m, non_originating=False, originating_value=m.value,
                    non_originating_value=_ZERO, **extra)


def _non_originating(m: Material, *warnings: str, **extra) -> _Account:
    return _Account(material=m, non_originating=True, originating_value=_ZERO,
                    non_originating_value=m.value, non_originating_qty=m.quantity,
                    warnings=warnings, **extra)


def _intermediate(m: Material, producer: str, e: Evaluation) -> _Account:
    """An in-house intermediate: originating counts wholly originating (its own inputs
    vanish from the parent), non-originating counts with its full value."""
    product = Product(sku=m.id, description=m.description, hs=m.hs, hs_version=m.hs_version,
                      producer=producer, ex_works=m.value, fob=m.value, currency=m.currency,
                      processes=m.processes, wholly_obtained=m.wholly_obtained,
                      bom=m.components)
    q, _ = _qualify(product, e.psrs_for_components.get(m.hs), e)
    warnings = tuple(f"intermediate {m.id}: {w}" for w in q.warnings)
    if q.originating:
        return _originating(m, intermediate=q, warnings=warnings)
    return _non_originating(m, *warnings, intermediate=q)


def _accepted_instruments(e: Evaluation) -> set[str]:
    return {e.instrument.code, e.instrument.agreement}


def _cumulation_for(e: Evaluation, country: str, instrument: str | None = None,
                    kinds: tuple[str, ...] = ("bilateral", "diagonal", "full", "extended"),
                    ) -> Cumulation | None:
    """The first applicable cumulation that covers ``country`` (and accepts declarations
    under ``instrument`` when given)."""
    own = _accepted_instruments(e)
    for c in e.cumulation:
        if c.kind in kinds and country in c.countries and (
                instrument is None or instrument in own or instrument in c.instruments):
            return c
    return None


def _cumulated(m: Material, c: Cumulation, country: str, via: str,
               value: Decimal) -> CumulatedMaterial:
    return CumulatedMaterial(material=m.id, country=country, provision=c.provision,
                             kind=c.kind, via=via, value=value, path=c.path)


def _standing(m: Material, producer: str, e: Evaluation) -> _Account:
    """Originating status from evidence: wholly obtained, or a valid supplier declaration."""
    if m.wholly_obtained and m.origin is not None:
        if m.origin == producer:
            return _originating(m)
        c = _cumulation_for(e, m.origin)
        if c is not None:
            return _originating(m, cumulated=(_cumulated(m, c, m.origin, "wholly_obtained",
                                                         m.value),))
    d = m.declaration
    if d is None:
        if m.wholly_obtained:
            where = f"in {m.origin}, which no applicable cumulation covers" if m.origin \
                else "but no origin country given"
            return _non_originating(m, f"material {m.id}: wholly obtained {where};"
                                       " counted non-originating")
        if m.origin == producer or m.origin in e.instrument.parties or (
                m.origin is not None and _cumulation_for(e, m.origin)):
            return _non_originating(m, f"material {m.id}: origin {m.origin} but no supplier"
                                       " declaration; counted non-originating")
        return _non_originating(m)
    if not d.originating:
        return _non_originating(m)
    ref = f" {d.reference}" if d.reference else ""
    date = e.shipment.date
    if not d.valid_from <= date <= d.valid_until:
        return _non_originating(m, f"material {m.id}: supplier declaration{ref} is valid"
                                   f" {d.valid_from} to {d.valid_until}, not on {date};"
                                   " counted non-originating")
    if d.country == producer and d.instrument in _accepted_instruments(e):
        return _originating(m)
    c = _cumulation_for(e, d.country, d.instrument)
    if c is not None:
        return _originating(m, cumulated=(_cumulated(m, c, d.country, "declaration",
                                                     m.value),))
    return _non_originating(m, f"material {m.id}: declared originating in {d.country} under"
                               f" {d.instrument}, which no applicable cumulation with"
                               f" {e.instrument.code} accepts; counted non-originating")


def _fungible(m: Material, e: Evaluation) -> _Account:
    """Split a material drawn from mixed stock by the instrument's inventory method."""
    terms, stock = e.instrument.fungible, m.fungible
    if terms is None:
        return _non_originating(m, f"material {m.id}: {e.instrument.code} has no accounting"
                                   " segregation provision; mixed stock counted"
                                   " non-originating")
    if stock.method not in terms.methods:
        return _non_originating(m, f"material {m.id}: method {stock.method} is not allowed"
                                   f" by {terms.article or e.instrument.code}"
                                   f" ({', '.join(terms.methods)}); counted non-originating")
    a = allocate(stock, m.quantity)
    originating = share(a.originating_qty, m.quantity, m.value) if m.quantity else _ZERO
    use = FungibleUse(material=m.id, allocation=a, originating_value=originating,
                      non_originating_value=m.value - originating, article=terms.article,
                      needs_authorisation=terms.needs_authorisation)
    warnings = (f"material {m.id}: {terms.article or 'accounting segregation'} requires"
                " prior authorisation of the method",) if terms.needs_authorisation else ()
    return _Account(material=m, non_originating=a.non_originating_qty > 0,
                    originating_value=originating, non_originating_value=m.value - originating,
                    non_originating_qty=a.non_originating_qty, fungible=use,
                    warnings=warnings)


def _partner_processing(a: _Account, e: Evaluation) -> _Account:
    """Full cumulation counts processing done in a partner as originating content."""
    m = a.material
    if not m.processes_in:
        return a
    partner, cumulated, warnings = _ZERO, list(a.cumulated), list(a.warnings)
    for p in m.processes_in:
        c = _cumulation_for(e, p.country, kinds=("full",))
        if c is None:
            warnings.append(f"material {m.id}: processing in {p.country} not counted: no"
                            " full cumulation applies")
            continue
        value = min(p.value_added, a.non_originating_value - partner)
        partner += value
        cumulated.append(_cumulated(m, c, p.country, "processing", value))
    return _Account(**{**a.__dict__, "partner_value": partner, "cumulated": tuple(cumulated),
                       "warnings": tuple(warnings)})


# --------------------------------------------------------------------------- HS versions


@dataclass(frozen=True)
class _Codes:
    """A code as seen in the rule's HS version: every target must pass (ambiguous splits)."""

    targets: tuple[str, ...] | None
    mapping: CodeMapping | None = None
    warning: str | None = None


def _codes(subject: str, code: str, version: str, target: str, e: Evaluation) -> _Codes:
    if version == target:
        return _Codes(targets=(code,))
    mapping = next((mp for mp in e.mappings if (mp.code, mp.from_version, mp.to_version)
                    == (code, version, target)), None)
    if mapping is None:
        return _Codes(targets=None, warning=f"{subject}: no {version}->{target} correlation"
                                            f" for {code} supplied; counted as failing"
                                            " the tariff shift")
    if mapping.ambiguous or len(mapping.targets) > 1:
        return _Codes(targets=mapping.targets, mapping=mapping,
                      warning=f"{subject}: {version} {code} splits into"
                              f" {', '.join(mapping.targets)} in {target} (ambiguous); the"
                              " tariff shift must hold for every one of them")
    return _Codes(targets=mapping.targets, mapping=mapping)


# --------------------------------------------------------------------------- criteria


@dataclass(frozen=True)
class _Context:
    """What every node of the rule tree is judged against."""

    product: Product
    e: Evaluation
    accounts: tuple[_Account, ...]
    product_codes: _Codes
    material_codes: dict[str, _Codes]
    vnm: Decimal
    vom: Decimal
    version: str

    @property
    def build_down(self) -> Decimal:
        return share(self.product.fob - self.vnm, self.product.fob, _HUNDRED)

    @property
    def build_up(self) -> Decimal:
        return share(self.vom, self.product.fob, _HUNDRED)

    @property
    def nom(self) -> Decimal:
        return share(self.vnm, self.product.ex_works, _HUNDRED)


def _pct(x: Decimal) -> Decimal:
    return x.quantize(_CENT, rounding=ROUND_HALF_UP)


def _result(node: Criterion, path: str, passed: bool, reason: str, **extra) -> CriterionResult:
    return CriterionResult(node=path, text=render_rule(node), passed=passed, reason=reason,
                           **extra)


def _judge(node: Criterion, path: str, ctx: _Context) -> list[CriterionResult]:
    """Results for ``node`` (first) and all nodes below it, in pre-order."""
    if isinstance(node, AllOf | AnyOf):
        below = [_judge(c, f"{path}.{i}", ctx) for i, c in enumerate(_children(node), 1)]
        heads = [b[0] for b in below]
        own = _combine(node, path, heads)
        return [own] + [r for b in below for r in b]
    judge = {WhollyObtained: _wo, TariffShift: _ctc, Rvc: _rvc, MaxNom: _maxnom,
             SpecificProcess: _sp}[type(node)]
    return [judge(node, path, ctx)]


def _combine(node: AllOf | AnyOf, path: str, heads: list[CriterionResult]) -> CriterionResult:
    failed = [h for h in heads if not h.passed]
    if isinstance(node, AllOf):
        if not failed:
            return _result(node, path, True, "every part is met")
        return _result(node, path, False, "not met: " + "; ".join(
            f"{h.text} ({h.reason})" for h in failed))
    passed = [h.text for h in heads if h.passed]
    if passed:
        return _result(node, path, True, f"met by {' and by '.join(passed)}")
    return _result(node, path, False, "no alternative is met: " + "; ".join(
        f"{h.text} ({h.reason})" for h in failed))


def _wo(node: WhollyObtained, path: str, ctx: _Context) -> CriterionResult:
    used = [a.material.id for a in ctx.accounts if a.non_originating]
    if not ctx.product.wholly_obtained:
        return _result(node, path, False, "the product is not declared wholly obtained")
    if used:
        return _result(node, path, False, "a wholly obtained product cannot contain"
                                          f" non-originating materials ({', '.join(used)})")
    return _result(node, path, True, f"wholly obtained in {ctx.product.producer}")


def _sp(node: SpecificProcess, path: str, ctx: _Context) -> CriterionResult:
    done = {p.lower() for p in ctx.product.processes}
    if node.process in done:
        return _result(node, path, True, f"process {node.process} was carried out")
    return _result(node, path, False, f"process {node.process} is not among the declared"
                                      f" processes ({', '.join(sorted(done)) or 'none'})")


def _rvc(node: Rvc, path: str, ctx: _Context) -> CriterionResult:
    method = node.method or ctx.e.instrument.rvc_default_method
    p = ctx.product
    if method == "build-down":
        pct, formula = ctx.build_down, f"(FOB {p.fob} - VNM {ctx.vnm}) / FOB {p.fob}"
        numbers = {"fob": p.fob, "vnm": ctx.vnm}
    else:
        pct, formula = ctx.build_up, f"VOM {ctx.vom} / FOB {p.fob}"
        numbers = {"fob": p.fob, "vom": ctx.vom}
    passed = pct >= node.threshold
    return _result(node, path, passed,
                   f"RVC {method} {formula} = {_pct(pct)}% {'>=' if passed else '<'}"
                   f" {node.threshold}%",
                   numbers={**numbers, "rvc_pct": _pct(pct), "threshold": node.threshold})


def _maxnom(node: MaxNom, path: str, ctx: _Context) -> CriterionResult:
    p = ctx.product
    passed = ctx.nom <= node.percent
    return _result(node, path, passed,
                   f"VNM {ctx.vnm} / ex-works {p.ex_works} = {_pct(ctx.nom)}%"
                   f" {'<=' if passed else '>'} {node.percent}%",
                   numbers={"ex_works": p.ex_works, "vnm": ctx.vnm, "nom_pct": _pct(ctx.nom),
                            "max_pct": node.percent})


def _shifts(node: TariffShift, material: str, product: str) -> bool:
    n = _DIGITS[node.level]
    return material[:n] != product[:n] and not exception_matches(node.exceptions, material)


def _ctc(node: TariffShift, path: str, ctx: _Context) -> CriterionResult:
    products = ctx.product_codes.targets
    failing = []
    for a in ctx.accounts:
        if not a.non_originating:
            continue
        codes = ctx.material_codes[a.material.id].targets
        if products is None or codes is None or not all(
                _shifts(node, c, p) for c in codes for p in products):
            failing.append(a)
    mapped = sum(1 for c in (ctx.product_codes, *ctx.material_codes.values()) if c.mapping)
    where = f" (compared in {ctx.version}, {mapped} code(s) mapped)" if mapped else ""
    ids = tuple(a.material.id for a in failing)
    if not failing:
        return _result(node, path, True, f"every non-originating material changes"
                                         f" {node.level}{where}")
    ok, reason, numbers = _tolerance(failing, ctx)
    return _result(node, path, ok, f"no change of {node.level} for {', '.join(ids)}{where};"
                                   f" {reason}", numbers=numbers, failures=ids,
                   tolerated=ids if ok else ())


def _tolerance_basis(ctx: _Context) -> str | None:
    t = ctx.e.instrument.tolerance
    if t is None:
        return None
    textile = int(ctx.product.hs[:2]) in _TEXTILE_CHAPTERS
    return "weight" if textile and t.textile_weight_percent is not None else t.basis


def _tolerance(failing: list[_Account], ctx: _Context) -> tuple[bool, str, dict]:
    """De minimis: do the failing materials fit within the instrument's tolerance?"""
    t, basis = ctx.e.instrument.tolerance, _tolerance_basis(ctx)
    if basis is None:
        return False, f"{ctx.e.instrument.code} has no tolerance rule", {}
    article = f" ({t.article})" if t.article else ""
    if basis == "weight":
        weights = [a.material.weight_kg for a in ctx.accounts]
        if any(w is None for w in weights):
            return False, "textile tolerance is by weight but not every material has a" \
                          " weight", {}
        used = sum((share(a.non_originating_qty, a.material.quantity, a.material.weight_kg)
                    if a.material.quantity else _ZERO for a in failing), _ZERO)
        limit = share(t.textile_weight_percent, _HUNDRED, sum(weights, _ZERO))
        unit, pct = "kg", t.textile_weight_percent
        of = "of the materials' weight"
    else:
        used = sum((a.non_originating_value for a in failing), _ZERO)
        base = ctx.product.fob if basis == "fob" else ctx.product.ex_works
        limit = share(t.percent, _HUNDRED, base)
        unit, pct = ctx.product.currency, t.percent
        of = f"of {'FOB' if basis == 'fob' else 'ex-works'} {base}"
    ok = used <= limit
    reason = (f"{'tolerated' if ok else 'not tolerated'}: {used} {unit}"
              f" {'<=' if ok else '>'} {pct}% {of} = {limit} {unit}{article}")
    return ok, reason, {"tolerance_used": used, "tolerance_limit": limit}


# --------------------------------------------------------------------------- qualification


def _needs_rvc(node: Criterion, results: dict[str, CriterionResult], path: str) -> bool:
    """Does the way this (passing) node is met rely on RVC? An OR is taken to be met by a
    passing alternative without RVC when there is one (the exporter would choose it)."""
    if isinstance(node, Rvc):
        return True
    if isinstance(node, AllOf):
        return any(_needs_rvc(p, results, f"{path}.{i}") for i, p in enumerate(node.parts, 1))
    if isinstance(node, AnyOf):
        return all(_needs_rvc(o, results, f"{path}.{i}")
                   for i, o in enumerate(node.options, 1) if results[f"{path}.{i}"].passed)
    return False


def _passed_by(node: Criterion, results: dict[str, CriterionResult]) -> str | None:
    """The alternative that qualifies the good: the first passing one without RVC, else the
    first passing one."""
    if not results["1"].passed:
        return None
    if not isinstance(node, AnyOf):
        return results["1"].text
    passing = [(f"1.{i}", o) for i, o in enumerate(node.options, 1) if results[f"1.{i}"].passed]
    path, _ = next(((p, o) for p, o in passing if not _needs_rvc(o, results, p)), passing[0])
    return results[path].text


def _qualify(product: Product, psr: Psr | None,
             e: Evaluation) -> tuple[Qualification, bool | None]:
    """The qualification of ``product`` and whether its qualifying alternative uses RVC
    (None when it does not qualify)."""
    criterion = psr.criterion if psr else e.instrument.general_rule
    version = psr.hs_version if psr else product.hs_version
    accounts = tuple(_account(m, product.producer, e) for m in product.bom)
    product_codes = _codes(f"product {product.sku}", product.hs, product.hs_version,
                           version, e)
    material_codes = {a.material.id: _codes(f"material {a.material.id}", a.material.hs,
                                            a.material.hs_version, version, e)
                      for a in accounts if a.non_originating}
    ctx = _Context(product=product, e=e, accounts=accounts, product_codes=product_codes,
                   material_codes=material_codes, version=version,
                   vnm=sum((a.vnm for a in accounts), _ZERO),
                   vom=sum((a.vom for a in accounts), _ZERO))
    results = _judge(criterion, "1", ctx) if criterion is not None else []
    by_path = {r.node: r for r in results}
    passed_by = _passed_by(criterion, by_path) if results else None
    needs_rvc = _needs_rvc(criterion, by_path, "1") if passed_by else None
    uses_ctc = any(isinstance(n, TariffShift) for n in _nodes(criterion))
    codes = (product_codes, *material_codes.values()) if uses_ctc else ()
    warnings = [] if criterion else [f"no PSR for {product.hs} and {e.instrument.code} has"
                                     " no general rule; origin cannot be established"]
    warnings += [w for a in accounts for w in a.warnings]
    warnings += [c.warning for c in codes if c.warning]
    q = Qualification(
        subject=product.sku, hs=product.hs, hs_version=product.hs_version,
        originating=passed_by is not None,
        rule=render_rule(criterion) if criterion is not None else "",
        psr_uid=psr.uid if psr else None, psr_scope=psr.scope if psr else None,
        used_general_rule=psr is None, passed_by=passed_by, criteria=tuple(results),
        numbers=_numbers(ctx, results),
        ctc_failures=_union(r.failures for r in results),
        tolerated=_union(r.tolerated for r in results),
        cumulated=tuple(c for a in accounts for c in a.cumulated),
        fungible=tuple(a.fungible for a in accounts if a.fungible),
        intermediates=tuple(a.intermediate for a in accounts if a.intermediate),
        hs_mappings=_unique(tuple(c.mapping for c in codes if c.mapping)),
        warnings=_unique(tuple(warnings)))
    return q, needs_rvc


def _children(node: AllOf | AnyOf) -> tuple[Criterion, ...]:
    return node.parts if isinstance(node, AllOf) else node.options


def _nodes(node: Criterion | None):
    """Every node of the tree, pre-order."""
    if node is not None:
        yield node
    if isinstance(node, AllOf | AnyOf):
        for child in _children(node):
            yield from _nodes(child)


def _numbers(ctx: _Context, results: list[CriterionResult]) -> Numbers:
    p = ctx.product
    tolerance = next((r.numbers for r in results if "tolerance_limit" in r.numbers), {})
    return Numbers(
        currency=p.currency, fob=p.fob, ex_works=p.ex_works, vnm=ctx.vnm, vom=ctx.vom,
        partner_processing=sum((a.partner_value for a in ctx.accounts), _ZERO),
        rvc_build_down_pct=_pct(ctx.build_down), rvc_build_up_pct=_pct(ctx.build_up),
        nom_pct=_pct(ctx.nom),
        tolerance_basis=_tolerance_basis(ctx) if tolerance else None,
        tolerance_used_value=tolerance.get("tolerance_used"),
        tolerance_limit_value=tolerance.get("tolerance_limit"))


def _union(groups) -> tuple[str, ...]:
    return _unique(tuple(x for g in groups for x in g))


def _unique(items: tuple) -> tuple:
    """Drop repeats, keep first-seen order (models compare by value).

    Linear: each item is looked up by a hashable stand-in with the same equality (see
    ``_identity``) instead of being compared with every item kept so far.
    """
    out: list = []
    seen: set = set()
    for item in items:
        key = item if type(item) in _HASHABLE else _identity(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return tuple(out)


_ATOMS = frozenset({str, int, bool, Decimal, type(None)})
# Types whose own hash and == agree with value equality (frozen models of hashable fields).
_HASHABLE = _ATOMS | {TraceFact, CodeMapping}


def _identity(value: object) -> object:
    """A hashable value equal for two inputs exactly when they are equal: a model by its type and
    field values, a dict by its items, a tuple or list element-wise."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if isinstance(value, BaseModel):
        return (kind, tuple((k, v if type(v) in _ATOMS else _identity(v)) for k, v in value.__dict__.items()))
    if kind is dict:
        return (dict, frozenset((k, v if type(v) in _ATOMS else _identity(v)) for k, v in value.items()))
    if kind is tuple or kind is list:
        return (kind, tuple(v if type(v) in _ATOMS else _identity(v) for v in value))
    if isinstance(value, dict):
        return (dict, frozenset((k, _identity(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (kind, tuple(_identity(v) for v in value))
    return value
