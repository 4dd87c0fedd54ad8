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

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

from engine.criteria import (AllOf, AnyOf, Criterion, MadeFrom, MaxNom, NomLimit, NomWithinOm,
                             OriginatingMaterials, Rvc, SpecificProcess, TariffShift,
                             WhollyObtained, WhollyObtainedMaterials, item_matches_code,
                             item_term, render_rule)
from engine.fungible import allocate, share
from engine.models import CodeMapping, Cumulation, Evaluation, Material, Product, Psr, TraceFact
from engine.terms.consignment import check_consignment, transit_warnings
from engine.terms.cumulation import counts_processing
from engine.terms.fungible import fungible_refusal
from engine.terms.proof import criterion_bases, proof_requirement
from engine.terms.tolerance import tolerance_basis
from engine.verdict import (CriterionResult, CumulatedMaterial, FinishedGoodsUse, FungibleUse, Numbers,
                            Qualification, Trace, Verdict)

__all__ = ["evaluate"]

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_DIGITS = {"chapter": 2, "heading": 4, "subheading": 6}


def evaluate(e: Evaluation) -> Verdict:
    """The verdict for ``e.product`` under ``e.instrument`` (pure and deterministic).

    Raises :class:`engine.fungible.FungibleError` when a material uses more than its
    fungible stock holds: that is an input error, not a question of origin.
    """
    consignment = check_consignment(e.shipment, e.instrument)
    q, needs_rvc = _qualify(e.product, e.psr, e)
    proof = proof_requirement(e.shipment, e.instrument, needs_rvc,
                              criterion_bases(q.passed_by, q.numbers.vnm, bool(q.cumulated), bool(q.tolerated)))
    fields = {name: getattr(q, name) for name in Qualification.model_fields}
    goods, goods_ok, goods_warnings = _finished_goods(e)
    fields.update(originating=q.originating and consignment.ok and goods_ok,
                  warnings=_unique(q.warnings + transit_warnings(e.shipment, e.instrument) + goods_warnings))
    # Every value is already validated (the qualification, the engine's own models): construct,
    # do not validate the whole tree again.
    return Verdict.model_construct(**fields, agreement=e.instrument.agreement, instrument=e.instrument.code,
                                   consignment=consignment, proof=proof, trace=Trace.model_construct(facts=_unique(e.facts)),
                                   finished_goods=goods)


def _finished_goods(e: Evaluation) -> tuple[FinishedGoodsUse | None, bool, tuple[str, ...]]:
    """Goods shipped from mixed stock of finished goods: the agreement's fungible scope decides whether
    the inventory method may identify originating goods at all (``materials_and_goods``), then the
    method how many of the shipped goods originate (none: the shipment does not originate)."""
    stock = e.shipment.goods_from_stock
    if stock is None:
        return None, True, ()
    terms, code = e.instrument.terms.fungible, e.instrument.code
    refusal = fungible_refusal(terms, code, stock.method, finished_goods=True)
    if refusal:
        why = f"goods from mixed stock: {refusal}; without physical segregation they are not shown originating"
        return FinishedGoodsUse(allowed=False, reason=why, quantity=stock.quantity,
                                article=terms.article if terms else ""), False, (why,)
    a = allocate(stock, stock.quantity)
    reason = (f"{terms.article or code} covers finished goods: {stock.method} gives {a.originating_qty} of"
              f" {stock.quantity} originating (the method is kept for the whole fiscal year)")
    warnings = [f"only {a.originating_qty} of the {stock.quantity} goods shipped originate ({stock.method})"] \
        if a.non_originating_qty > 0 else []
    if terms.needs_authorisation:
        warnings.append(f"goods from mixed stock: {terms.article or 'accounting segregation'} requires prior"
                        " authorisation of the method")
    return (FinishedGoodsUse(allowed=True, reason=reason, quantity=stock.quantity, allocation=a, article=terms.article,
                             needs_authorisation=terms.needs_authorisation), a.originating_qty > 0, tuple(warnings))


# --------------------------------------------------------------------------- materials


@dataclass(slots=True)
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
                    processing: bool = False) -> Cumulation | None:
    """The first applicable cumulation that covers ``country`` (and accepts declarations
    under ``instrument`` when given; with ``processing``, only a kind that counts processing)."""
    own = _accepted_instruments(e)
    for c in e.cumulation:
        if (not processing or counts_processing(c.kind)) and country in c.countries and (
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
    if not d.in_force_on(date):
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
    terms, stock = e.instrument.terms.fungible, m.fungible
    refusal = fungible_refusal(terms, e.instrument.code, stock.method, finished_goods=False)
    if refusal:
        mixed = "; mixed stock" if terms is None else ";"
        return _non_originating(m, f"material {m.id}: {refusal}{mixed} counted non-originating")
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
        c = _cumulation_for(e, p.country, processing=True)
        if c is None:
            warnings.append(f"material {m.id}: processing in {p.country} not counted: no"
                            " full cumulation applies")
            continue
        value = min(p.value_added, a.non_originating_value - partner)
        partner += value
        cumulated.append(_cumulated(m, c, p.country, "processing", value))
    return replace(a, partner_value=partner, cumulated=tuple(cumulated), warnings=tuple(warnings))


# --------------------------------------------------------------------------- HS versions


@dataclass(slots=True)
class _Codes:
    """A code as seen in the rule's HS version: every target must pass (ambiguous splits)."""

    targets: tuple[str, ...] | None
    mapping: CodeMapping | None = None
    warning: str | None = None


def _codes(kind: str, ident: str, code: str, version: str, target: str,
           mappings: dict[tuple[str, str, str], CodeMapping]) -> _Codes:
    """``kind`` and ``ident`` name the subject in a warning (formatted only when there is one)."""
    if version == target:
        return _Codes(targets=(code,))
    mapping = mappings.get((code, version, target))
    if mapping is None:
        return _Codes(targets=None, warning=f"{kind} {ident}: no {version}->{target} correlation"
                                            f" for {code} supplied; counted as failing"
                                            " the tariff shift")
    if mapping.ambiguous or len(mapping.targets) > 1:
        return _Codes(targets=mapping.targets, mapping=mapping,
                      warning=f"{kind} {ident}: {version} {code} splits into"
                              f" {', '.join(mapping.targets)} in {target} (ambiguous); the"
                              " tariff shift must hold for every one of them")
    return _Codes(targets=mapping.targets, mapping=mapping)


# --------------------------------------------------------------------------- criteria


@dataclass(slots=True)
class _Context:
    """What every node of the rule tree is judged against.

    ``consulted`` collects the materials whose codes a node looked at and ``notes`` the doubts
    met on the way (unmapped or split codes): both feed the verdict's mappings and warnings.
    """

    product: Product
    e: Evaluation
    accounts: tuple[_Account, ...]
    product_codes: _Codes
    material_codes: dict[str, _Codes]
    vnm: Decimal
    vom: Decimal
    version: str
    consulted: set = field(default_factory=set)
    notes: list = field(default_factory=list)

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
    judge = {WhollyObtained: _wo, WhollyObtainedMaterials: _wo_of, OriginatingMaterials: _orig,
             TariffShift: _ctc, MadeFrom: _from, NomLimit: _nom, MaxNom: _maxnom,
             NomWithinOm: _nom_within_om, Rvc: _rvc, SpecificProcess: _sp}[type(node)]
    return [judge(node, path, ctx)]


def _explained(h: CriterionResult) -> str:
    """A part's text with its reason (once: new nodes' reasons already start with their text)."""
    return h.reason if h.reason.startswith(f"{h.text}:") else f"{h.text} ({h.reason})"


def _combine(node: AllOf | AnyOf, path: str, heads: list[CriterionResult]) -> CriterionResult:
    failed = [h for h in heads if not h.passed]
    if isinstance(node, AllOf):
        if not failed:
            return _result(node, path, True, "every part is met")
        return _result(node, path, False, "not met: " + "; ".join(_explained(h) for h in failed))
    passed = [h.text for h in heads if h.passed]
    if passed:
        return _result(node, path, True, f"met by {' and by '.join(passed)}")
    return _result(node, path, False, "no alternative is met: " + "; ".join(
        _explained(h) for h in failed))


# -- which materials an item list covers


@dataclass(slots=True)
class _Member:
    """Is a material of an item list, and on what evidence (``via``, for the reason)."""

    inside: bool
    via: str = ""


def _covered(items: tuple[str, ...], a: _Account, ctx: _Context, clause: str,
             permission: bool) -> _Member:
    """Whether ``a`` is of ``items`` in the rule's HS edition.

    Codes are judged conservatively: for a limit or requirement (``permission`` False) a material
    whose code splits is of the set when any candidate is, and one whose code could not be mapped
    is of it; for a permission only when every candidate is, and an unmapped one is not. A
    ``"term"`` matches the names the BOM declares (``named_as``); ``*`` every material.
    """
    m = a.material
    if "*" in items:
        return _Member(True, "every material")
    code_items = [i for i in items if item_term(i) is None]
    doubt = None
    if code_items:
        ctx.consulted.add(m.id)
        codes = ctx.material_codes[m.id]
        own = any(i.startswith("@") for i in code_items)
        products = ctx.product_codes.targets if own else ("",)
        if own:
            ctx.consulted.add(None)
        if codes.targets is None or products is None:
            doubt = (f"no {m.hs_version}->{ctx.version} correlation for"
                     f" {m.hs if codes.targets is None else ctx.product.hs} supplied")
        else:
            def hit(c: str, i: str) -> bool:
                if not i.startswith("@"):
                    return item_matches_code(i, c)
                test = all if permission else any
                return test(item_matches_code(i, c, p) for p in products)

            hits = [c for c in codes.targets if any(hit(c, i) for i in code_items)]
            inside = len(hits) == len(codes.targets) if permission else bool(hits)
            split = len(codes.targets) > 1 and 0 < len(hits) < len(codes.targets)
            if split:
                ctx.notes.append(
                    f"material {m.id}: {m.hs_version} {m.hs} splits into"
                    f" {', '.join(codes.targets)} in {ctx.version}; "
                    + (f"not taken to be of {clause}'s items, as not every one is (a permission)"
                       if permission else
                       f"taken to be of {clause}'s items, as one is (a limit or requirement)"))
            if inside:
                shown = hits[0] if len(codes.targets) == 1 else \
                    f"{', '.join(hits)} of {m.hs_version} {m.hs}"
                return _Member(True, f"HS {shown}")
    declared = {" ".join(n.split()).casefold(): n for n in m.named_as}
    for i in items:
        term = item_term(i)
        if term is not None and term.casefold() in declared:
            return _Member(True, f'declared as "{declared[term.casefold()]}"')
    if doubt is not None:
        if permission:
            ctx.notes.append(f"material {m.id}: {doubt}; not taken to be of {clause}'s items"
                             " (a permission)")
            return _Member(False)
        ctx.notes.append(f"material {m.id}: {doubt}; taken to be of {clause}'s items (a limit"
                         " or requirement)")
        return _Member(True, "code not mapped, counted")
    return _Member(False)


def _members(items: tuple[str, ...], accounts, ctx: _Context, clause: str,
             permission: bool = False) -> list[tuple[_Account, str]]:
    out = []
    for a in accounts:
        member = _covered(items, a, ctx, clause, permission)
        if member.inside:
            out.append((a, member.via))
    return out


def _listed(pairs) -> str:
    return ", ".join(f"{a.material.id} [{via}]" if via else a.material.id for a, via in pairs)


def _of(items: tuple[str, ...]) -> str:
    return ", ".join(items)


def _weight(a: _Account) -> Decimal:
    return a.material.weight_kg


def _non_originating_weight(a: _Account) -> Decimal:
    """The weight of the non-originating part of a line (a fungible line by its quantity)."""
    w, q = a.material.weight_kg, a.material.quantity
    if not a.non_originating:
        return _ZERO
    if a.fungible is None or not q:
        return w
    return share(a.non_originating_qty, q, w)


def _missing_weights(accounts) -> list[str]:
    return [a.material.id for a in accounts if a.material.weight_kg is None]


def _at_most(used: Decimal, percent: Decimal, base: Decimal) -> bool:
    """``used <= percent % of base``, exactly (no rounded division)."""
    return used * _HUNDRED <= percent * base


# -- the criteria


def _wo(node: WhollyObtained, path: str, ctx: _Context) -> CriterionResult:
    used = [a.material.id for a in ctx.accounts if a.non_originating]
    if not ctx.product.wholly_obtained:
        return _result(node, path, False, "the product is not declared wholly obtained")
    if used:
        return _result(node, path, False, "a wholly obtained product cannot contain"
                                          f" non-originating materials ({', '.join(used)})")
    return _result(node, path, True, f"wholly obtained in {ctx.product.producer}")


def _wo_of(node: WhollyObtainedMaterials, path: str, ctx: _Context) -> CriterionResult:
    """Every material of the items used, originating or not, is wholly obtained and counted
    originating (an in-house intermediate by its own account)."""
    text = render_rule(node)
    used = _members(node.items, ctx.accounts, ctx, text)
    if not used:
        return _result(node, path, True, f"{text}: no material of {_of(node.items)} used")
    bad = [(a, f"{via}, " + ("not declared wholly obtained" if not a.material.wholly_obtained
                             else "wholly obtained but not counted originating"))
           for a, via in used if not a.material.wholly_obtained or a.non_originating]
    if bad:
        return _result(node, path, False, f"{text}: materials of {_of(node.items)} not wholly"
                                          f" obtained: {_listed(bad)}",
                       failures=tuple(a.material.id for a, _ in bad))
    return _result(node, path, True, f"{text}: every material of {_of(node.items)} used is"
                                     f" wholly obtained: {_listed(used)}")


def _orig(node: OriginatingMaterials, path: str, ctx: _Context) -> CriterionResult:
    text = render_rule(node)
    used = _members(node.items, ctx.accounts, ctx, text)
    if not used:
        return _result(node, path, True, f"{text}: no material of {_of(node.items)} used")
    if node.weight_percent is None:
        bad = [(a, via) for a, via in used if a.non_originating]
        if bad:
            return _result(node, path, False, f"{text}: non-originating materials of"
                                              f" {_of(node.items)}: {_listed(bad)}",
                           failures=tuple(a.material.id for a, _ in bad))
        return _result(node, path, True, f"{text}: every material of {_of(node.items)} used is"
                                         f" originating: {_listed(used)}")
    accounts = [a for a, _ in used]
    missing = _missing_weights(accounts)
    if missing:
        return _result(node, path, False, f"{text}: the rule is by weight but no weight_kg is"
                                          f" given for {', '.join(missing)}",
                       failures=tuple(missing))
    total = sum((_weight(a) for a in accounts), _ZERO)
    if not total:
        return _result(node, path, False, f"{text}: the materials of {_of(node.items)} weigh"
                                          " 0 kg; no share by weight can be established")
    originating = total - sum((_non_originating_weight(a) for a in accounts), _ZERO)
    pct, minimum = share(originating, total, _HUNDRED), node.weight_percent
    passed = originating * _HUNDRED >= minimum * total
    numbers = {"originating_kg": originating, "total_kg": total, "originating_pct": _pct(pct),
               "min_pct": minimum}
    failures = () if passed else tuple(a.material.id for a in accounts if a.non_originating)
    return _result(node, path, passed,
                   f"{text}: originating weight of {_of(node.items)} ({_listed(used)})"
                   f" {originating} kg of {total} kg = {_pct(pct)}%"
                   f" {'>=' if passed else '<'} {minimum}%", numbers=numbers, failures=failures)


def _sp(node: SpecificProcess, path: str, ctx: _Context) -> CriterionResult:
    """Done in the producer, or in a country a full cumulation covers, as the BOM declares."""
    producer = ctx.product.producer
    declared = list(_declared_processes(ctx.product))
    elsewhere = []
    for step, country, where in declared:
        if step != node.process:
            continue
        if country == producer:
            return _result(node, path, True, f"process {node.process} was carried out in"
                                             f" {producer} (the producer; {where})")
        c = _cumulation_for(ctx.e, country, processing=True) if country else None
        if c is not None:
            return _result(node, path, True, f"process {node.process} was carried out in"
                                             f" {country} ({where}), which {c.provision}"
                                             " (full cumulation) covers")
        elsewhere.append(f"in {country} ({where})" if country else
                         f"by the supplier of an item of unknown origin ({where})")
    if elsewhere:
        return _result(node, path, False, f"process {node.process} was carried out only"
                                          f" {'; '.join(elsewhere)}: neither the producer"
                                          f" {producer} nor a country an applicable full"
                                          " cumulation covers")
    names = sorted({step for step, _, _ in declared})
    return _result(node, path, False, f"process {node.process} is not among the declared"
                                      f" processes ({', '.join(names) or 'none'})")


def _declared_processes(product: Product):
    """``(process, country, where)`` for every declaration of the product's BOM tree: a plain
    name on the product or an in-house intermediate was done by the producer, on a bought
    material in its country of origin; ``processes_in`` at their partner."""
    for step in product.processes:
        yield step.process, step.country or product.producer, "declared on the product"
    yield from _material_processes(product.bom, product.producer)


def _material_processes(materials: tuple[Material, ...], producer: str):
    for m in materials:
        maker = producer if m.components else m.origin
        kind = "intermediate" if m.components else "material"
        for step in m.processes:
            yield step.process, step.country or maker, f"declared on {kind} {m.id}"
        for p in m.processes_in:
            for name in p.processes:
                yield name, p.country, f"processing of material {m.id}"
        yield from _material_processes(m.components, producer)


def _rvc(node: Rvc, path: str, ctx: _Context) -> CriterionResult:
    method = node.method or ctx.e.instrument.terms.rvc_default_method
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
    if node.basis == "fob":
        pct = share(ctx.vnm, p.fob, _HUNDRED)
        passed = _at_most(ctx.vnm, node.percent, p.fob)
        return _result(node, path, passed,
                       f"VNM {ctx.vnm} / FOB {p.fob} = {_pct(pct)}%"
                       f" {'<=' if passed else '>'} {node.percent}%",
                       numbers={"fob": p.fob, "vnm": ctx.vnm, "nom_pct": _pct(pct),
                                "max_pct": node.percent})
    passed = ctx.nom <= node.percent
    return _result(node, path, passed,
                   f"VNM {ctx.vnm} / ex-works {p.ex_works} = {_pct(ctx.nom)}%"
                   f" {'<=' if passed else '>'} {node.percent}%",
                   numbers={"ex_works": p.ex_works, "vnm": ctx.vnm, "nom_pct": _pct(ctx.nom),
                            "max_pct": node.percent})


def _nom(node: NomLimit, path: str, ctx: _Context) -> CriterionResult:
    """The non-originating materials of the items, by value (VNM: partner processing of full
    cumulation excluded) against ex-works or FOB, or by weight against all materials used."""
    text = render_rule(node)
    non_originating = [a for a in ctx.accounts if a.non_originating]
    used = _members(node.items, non_originating, ctx, text)
    which = f"non-originating materials of {_of(node.items)}" + (
        f" ({_listed(used)})" if used else " (none used)")
    ids = tuple(a.material.id for a, _ in used)
    if node.basis == "weight":
        missing = _missing_weights(ctx.accounts)
        if missing:
            return _result(node, path, False, f"{text}: the limit is by weight of all the"
                                              " materials used but no weight_kg is given for"
                                              f" {', '.join(missing)}", failures=tuple(missing))
        amount = sum((_non_originating_weight(a) for a, _ in used), _ZERO)
        base = sum((_weight(a) for a in ctx.accounts), _ZERO)
        unit, of = " kg", "the weight of all materials"
        if not base:
            return _result(node, path, False, f"{text}: the materials weigh 0 kg; no share by"
                                              " weight can be established")
    else:
        amount = sum((a.vnm for a, _ in used), _ZERO)
        base = ctx.product.fob if node.basis == "fob" else ctx.product.ex_works
        unit, of = "", "FOB" if node.basis == "fob" else "ex-works"
    pct = share(amount, base, _HUNDRED)
    passed = _at_most(amount, node.percent, base)
    numbers = {"used": amount, "base": base, "used_pct": _pct(pct), "max_pct": node.percent}
    return _result(node, path, passed,
                   f"{text}: {which} {amount}{unit} of {of} {base}{unit} = {_pct(pct)}%"
                   f" {'<=' if passed else '>'} {node.percent}%", numbers=numbers,
                   failures=() if passed else ids)


def _nom_within_om(node: NomWithinOm, path: str, ctx: _Context) -> CriterionResult:
    passed = ctx.vnm <= ctx.vom
    return _result(node, path, passed,
                   f"NOM<=OM: VNM {ctx.vnm} {'<=' if passed else '>'} VOM {ctx.vom}",
                   numbers={"vnm": ctx.vnm, "vom": ctx.vom})


def _from(node: MadeFrom, path: str, ctx: _Context) -> CriterionResult:
    """"Manufacture from X": every non-originating material is of the items (a permission:
    a split code must be of them in every candidate)."""
    text = render_rule(node)
    outside, inside = [], []
    for a in ctx.accounts:
        if not a.non_originating:
            continue
        member = _covered(node.items, a, ctx, text, permission=True)
        (inside if member.inside else outside).append((a, member.via or f"HS {a.material.hs}"))
    if outside:
        return _result(node, path, False, f"{text}: non-originating materials not of"
                                          f" {_of(node.items)}: {_listed(outside)}",
                       failures=tuple(a.material.id for a, _ in outside))
    if not inside:
        return _result(node, path, True, f"{text}: no non-originating material used")
    return _result(node, path, True, f"{text}: every non-originating material is of"
                                     f" {_of(node.items)}: {_listed(inside)}")


def _shifts(node: TariffShift, material: str, product: str) -> bool:
    n = _DIGITS[node.level]
    return material[:n] != product[:n]


def _ctc(node: TariffShift, path: str, ctx: _Context) -> CriterionResult:
    """A change of classification for every non-originating material; ``except`` materials
    never count as one (for ``ANY``: may not be used), ``allow`` materials are exempt. The
    except list wins over the allow list (a limit is not lifted by a permission)."""
    text = render_rule(node)
    products = ctx.product_codes.targets
    ctx.consulted.add(None)
    no_change, excepted, allowed = [], [], []
    for a in ctx.accounts:
        if not a.non_originating:
            continue
        ctx.consulted.add(a.material.id)
        if node.exceptions:
            member = _covered(node.exceptions, a, ctx, text, permission=False)
            if member.inside:
                excepted.append((a, member.via))
                continue
        if node.allowed:
            member = _covered(node.allowed, a, ctx, text, permission=True)
            if member.inside:
                allowed.append((a, member.via))
                continue
        if node.level == "any":
            continue
        codes = ctx.material_codes[a.material.id].targets
        if products is None or codes is None or not all(
                _shifts(node, c, p) for c in codes for p in products):
            no_change.append(a)
    compared = (ctx.product_codes, *(ctx.material_codes[a.material.id] for a in ctx.accounts
                                     if a.non_originating))
    mapped = sum(1 for c in compared if c.mapping)
    where = f" (compared in {ctx.version}, {mapped} code(s) mapped)" if mapped else ""
    exempt = f"; allowed: {_listed(allowed)}" if allowed else ""
    failed = {id(a) for a in no_change} | {id(a) for a, _ in excepted}
    failing = [a for a in ctx.accounts if id(a) in failed]
    if not failing:
        if node.level == "any":
            reason = "no change of classification required"
            if node.exceptions:
                reason += f"; no non-originating material of {_of(node.exceptions)} used"
            return _result(node, path, True, reason + exempt)
        return _result(node, path, True, f"every non-originating material changes"
                                         f" {node.level}{exempt}{where}")
    ids = tuple(a.material.id for a in failing)
    parts = []
    if no_change:
        parts.append(f"no change of {node.level} for {', '.join(a.material.id for a in no_change)}")
    if excepted:
        parts.append(f"non-originating materials of the except list {_of(node.exceptions)}"
                     f" used: {_listed(excepted)}")
    ok, reason, numbers = _tolerance(failing, ctx)
    return _result(node, path, ok, f"{'; '.join(parts)}{exempt}{where}; {reason}",
                   numbers=numbers, failures=ids, tolerated=ids if ok else ())


def _tolerance_basis(ctx: _Context) -> str | None:
    return tolerance_basis(ctx.e.instrument.terms.tolerance, ctx.product.hs)


def _tolerance(failing: list[_Account], ctx: _Context) -> tuple[bool, str, dict]:
    """De minimis: do the failing materials fit within the instrument's tolerance?"""
    t, basis = ctx.e.instrument.terms.tolerance, _tolerance_basis(ctx)
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
    mappings: dict[tuple[str, str, str], CodeMapping] = {}
    for mp in e.mappings:  # the first mapping given for a code wins
        mappings.setdefault((mp.code, mp.from_version, mp.to_version), mp)
    product_codes = _codes("product", product.sku, product.hs, product.hs_version, version, mappings)
    material_codes = {a.material.id: _codes("material", a.material.id, a.material.hs, a.material.hs_version,
                                            version, mappings)
                      for a in accounts}
    ctx = _Context(product=product, e=e, accounts=accounts, product_codes=product_codes,
                   material_codes=material_codes, version=version,
                   vnm=sum((a.vnm for a in accounts), _ZERO),
                   vom=sum((a.vom for a in accounts), _ZERO))
    results = _judge(criterion, "1", ctx) if criterion is not None else []
    by_path = {r.node: r for r in results}
    passed_by = _passed_by(criterion, by_path) if results else None
    needs_rvc = _needs_rvc(criterion, by_path, "1") if passed_by else None
    uses_ctc = any(isinstance(n, TariffShift) and n.level != "any" for n in _nodes(criterion))
    shift_codes = (product_codes, *(material_codes[a.material.id] for a in accounts
                                    if a.non_originating)) if uses_ctc else ()
    consulted = ((product_codes,) if None in ctx.consulted else ()) + tuple(
        material_codes[a.material.id] for a in accounts if a.material.id in ctx.consulted)
    warnings = [] if criterion else [f"no PSR for {product.hs} and {e.instrument.code} has"
                                     " no general rule; origin cannot be established"]
    warnings += [w for a in accounts for w in a.warnings]
    warnings += [c.warning for c in shift_codes if c.warning]
    warnings += ctx.notes
    q = Qualification(
        subject=product.sku, hs=product.hs, hs_version=product.hs_version,
        originating=passed_by is not None,
        rule=render_rule(criterion) if criterion is not None else "",
        psr_uid=psr.uid if psr else None, psr_scope=psr.scope if psr else None,
        used_general_rule=psr is None, passed_by=passed_by, criteria=tuple(results),
        numbers=_numbers(ctx, results),
        ctc_failures=_union(r.failures for r, n in zip(results, _nodes(criterion))
                            if isinstance(n, TariffShift)),
        tolerated=_union(r.tolerated for r in results),
        cumulated=tuple(c for a in accounts for c in a.cumulated),
        fungible=tuple(a.fungible for a in accounts if a.fungible),
        intermediates=tuple(a.intermediate for a in accounts if a.intermediate),
        hs_mappings=_unique(tuple(c.mapping for c in shift_codes + consulted if c.mapping)),
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

    Linear: hashable items (strings, frozen models) go through a dict at C speed; an item that is
    not (a model holding a dict) is looked up by a hashable stand-in with the same equality (see
    ``_identity``) instead of being compared with every item kept so far.
    """
    try:
        return tuple(dict.fromkeys(items))
    except TypeError:
        pass
    out: list = []
    seen: set = set()
    for item in items:
        before = len(seen)
        seen.add(item if type(item) in _HASHABLE else _identity(item))  # one hash per item
        if len(seen) > before:
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
