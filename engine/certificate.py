"""Certificate-of-origin data for a verdict, shaped after the WCO Data Model 4.2.0 certificate-of-origin
information package (the field-by-field mapping and its sources: ``docs/wco-co.md``; the JSON Schema of
what is emitted: ``engine/schemas/wco-co.schema.json``).

A pure mapping: the verdicts, the product and the shipment in, one certificate per originating verdict
out. A field is emitted only when the verdict (or what the caller gave for the certificate) fills it
truthfully; the rest is left out, never invented: the BOM names no exporter, producer or importer, so
parties carry their country only, and an issue date appears only when the caller gives one. A verdict
that is not originating, or an instrument without a verdict, gives no certificate: it is listed under
``withheld`` with the reason, and :class:`CertificateRefused` is raised when nothing is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from importlib.resources import files
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from engine.criteria import AllOf, AnyOf, Criterion, Rvc, TariffShift, WhollyObtained, parse_rule
from engine.models import Country, Product, Shipment
from engine.terms.proof import ProofChoice, ProofKind
from engine.verdict import CriterionResult, Verdict

__all__ = ["CertificateExport", "CertificateRefused", "CertificateRequest", "Withheld", "certificates",
           "from_report", "schema_text"]

INFORMATION_PACKAGE = "WCO Data Model 4.2.0 certificate of origin information package (origingraph mapping)"
_LEVEL_CODES = {"chapter": "CC", "heading": "CTH", "subheading": "CTSH"}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)


class CertificateRequest(BaseModel):
    """What the caller says about the certificate itself: which instrument and proof (else every
    originating verdict, and its first offered proof that needs no precondition), the issue date, and
    third-party invoicing and back-to-back references. None of these can be read from a verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: str | None = None
    proof: str | None = None
    issue_date: date | None = None
    invoiced_by: Country | None = None
    invoice_reference: str | None = None
    back_to_back: str | None = None


class Withheld(_Out):
    """An instrument binding the pair for which no certificate is given, and why."""

    instrument: str
    agreement: str
    reason: str


class CertificateRefused(ValueError):
    """No certificate can be given: every verdict asked about is not originating or undetermined."""

    def __init__(self, message: str, withheld: Sequence[Withheld] = ()):
        super().__init__(message)
        self.withheld = tuple(withheld)


class DocumentType(_Out):
    name: str
    kind: ProofKind
    article: str | None = None
    requires: str | None = None
    selected_by: str


class Agreement(_Out):
    code: str
    instrument: str


class Party(_Out):
    country_code: str


class Issue(_Out):
    """The issue date only when the caller gives it; the validity as the instrument states it (months
    from issue): no end date is computed, since the texts differ on whether the last day is included."""

    issue_date: date | None = None
    validity_months: int | None = None


class Classification(_Out):
    code: str
    hs_version: str


class Amount(_Out):
    amount: Decimal
    currency: str


class RegionalValueContent(_Out):
    percent: Decimal
    threshold: Decimal
    method: Literal["build-down", "build-up"]


class OriginCriterion(_Out):
    """``code`` is the criterion code of the alternative that qualified the good (``CTH``, ``RVC40``,
    ``RVC40+CTSH``, ``WO``); it is left out when a part of it has no code in the sources (``docs/wco-co.md``),
    and ``rule`` always says the alternative in the rule syntax."""

    code: str | None = None
    parts: tuple[str, ...] = ()
    rule: str
    rvc: RegionalValueContent | None = None
    also_meets: tuple[str, ...] = ()


class GoodsItem(_Out):
    sequence: int
    product_id: str
    description: str | None = None
    classification: Classification
    origin_country_code: str
    origin_criterion: OriginCriterion
    fob_value: Amount | None = None


class TransitCountry(_Out):
    country_code: str
    customs_control: bool


class Consignment(_Out):
    export_date: date
    transit: tuple[TransitCountry, ...] = ()
    invoice_value: Amount | None = None


class ThirdPartyInvoicing(_Out):
    invoicing_country_code: str | None = None
    invoice_reference: str | None = None


class BackToBack(_Out):
    original_proof_reference: str


class Provisional(_Out):
    reason: str


class Certificate(_Out):
    document_type: DocumentType
    other_proofs_offered: tuple[str, ...] = ()
    agreement: Agreement
    exporter: Party
    producer: Party
    importer: Party
    issue: Issue | None = None
    goods_items: tuple[GoodsItem, ...]
    consignment: Consignment
    third_party_invoicing: ThirdPartyInvoicing | None = None
    back_to_back: BackToBack | None = None
    provisional: Provisional | None = None


class CertificateExport(_Out):
    information_package: str = INFORMATION_PACKAGE
    certificates: tuple[Certificate, ...]
    withheld: tuple[Withheld, ...] = ()

    def to_json(self) -> str:
        """The one JSON form (camelCase names, unfilled fields left out), for the CLI and the API."""
        return self.model_dump_json(by_alias=True, exclude_none=True, exclude_defaults=False, indent=2)


def schema_text() -> str:
    """The JSON Schema of :meth:`CertificateExport.to_json` (package data)."""
    return files("engine").joinpath("schemas/wco-co.schema.json").read_text(encoding="utf-8")


def certificates(product: Product, shipment: Shipment, verdicts: Sequence[Verdict],
                 undetermined: Sequence[Withheld] = (), request: CertificateRequest = CertificateRequest(),
                 provisional: Mapping[str, str] | None = None) -> CertificateExport:
    """One certificate per originating verdict (only ``request.instrument``'s when given).

    ``undetermined`` are the instruments that bind the pair without a verdict; ``provisional`` maps an
    instrument to why its verdict is provisional (a general rule shown where the annex is not loaded)."""
    provisional = provisional or {}
    chosen = [v for v in verdicts if request.instrument in (None, v.instrument)]
    withheld = [w for w in undetermined if request.instrument in (None, w.instrument)]
    if request.instrument and not chosen and not withheld:
        bound = ", ".join(sorted({v.instrument for v in verdicts} | {w.instrument for w in undetermined}))
        raise CertificateRefused(f"{request.instrument} does not bind {shipment.exporter}-{shipment.importer} on "
                                 f"{shipment.date}: instruments binding the pair: {bound or 'none'}")
    out = []
    for v in chosen:
        if not v.originating:
            withheld.append(Withheld(instrument=v.instrument, agreement=v.agreement, reason=_not_originating(v)))
            continue
        out.append(_certificate(product, shipment, v, request, provisional.get(v.instrument)))
    if not out:
        reasons = "; ".join(f"{w.instrument}: {w.reason}" for w in withheld) or \
            f"no instrument binds {shipment.exporter}-{shipment.importer} on {shipment.date}"
        raise CertificateRefused(f"no certificate of origin for {product.sku}: {reasons}", withheld)
    return CertificateExport(certificates=tuple(out), withheld=tuple(withheld))


def from_report(report: Any, product: Product, shipment: Shipment,
                request: CertificateRequest = CertificateRequest()) -> CertificateExport:
    """:func:`certificates` for an origin report (``graph.origin.OriginReport``: ``verdicts`` carrying
    ``provisional_reason``, ``undetermined`` with their reason)."""
    undetermined = tuple(Withheld(instrument=u.instrument, agreement=u.agreement, reason=f"undetermined: {u.reason}")
                         for u in report.undetermined)
    provisional = {v.instrument: v.provisional_reason for v in report.verdicts if v.provisional_reason}
    return certificates(product, shipment, report.verdicts, undetermined, request, provisional)


def _not_originating(v: Verdict) -> str:
    if v.passed_by and not v.consignment.ok:
        return f"not originating: the rule is met ({v.passed_by}) but direct consignment fails: {v.consignment.reason}"
    return f"not originating: no alternative of {v.rule or 'the rule'} is met"


def _certificate(product: Product, shipment: Shipment, v: Verdict, request: CertificateRequest,
                 provisional_reason: str | None) -> Certificate:
    proof, selected_by = _proof(v, request.proof)
    fob = Amount(amount=v.numbers.fob, currency=v.numbers.currency) if v.proof.fob_required else None
    item = GoodsItem(sequence=1, product_id=product.sku, description=product.description or None,
                     classification=Classification(code=product.hs, hs_version=product.hs_version),
                     origin_country_code=product.producer, origin_criterion=_criterion(v, product),
                     fob_value=fob)
    issue = Issue(issue_date=request.issue_date, validity_months=v.proof.validity_months) \
        if request.issue_date or v.proof.validity_months else None
    invoice = Amount(amount=shipment.invoice_value, currency=shipment.currency) \
        if shipment.invoice_value is not None and shipment.currency else None
    third = ThirdPartyInvoicing(invoicing_country_code=request.invoiced_by,
                                invoice_reference=request.invoice_reference) \
        if request.invoiced_by or request.invoice_reference else None
    return Certificate(
        document_type=DocumentType(name=proof.name, kind=proof.kind, article=proof.article, requires=proof.requires,
                                   selected_by=selected_by),
        other_proofs_offered=tuple(o.name for o in v.proof.options if o.name != proof.name),
        agreement=Agreement(code=v.agreement, instrument=v.instrument),
        exporter=Party(country_code=shipment.exporter), producer=Party(country_code=product.producer),
        importer=Party(country_code=shipment.importer), issue=issue, goods_items=(item,),
        consignment=Consignment(export_date=shipment.date, invoice_value=invoice, transit=tuple(
            TransitCountry(country_code=leg.country, customs_control=leg.customs_control) for leg in shipment.legs)),
        third_party_invoicing=third,
        back_to_back=BackToBack(original_proof_reference=request.back_to_back) if request.back_to_back else None,
        provisional=Provisional(reason=provisional_reason) if provisional_reason else None)


def _proof(v: Verdict, wanted: str | None) -> tuple[ProofChoice, str]:
    """The proof the certificate is for: the one asked for, else the first offered with no precondition
    (``requires``), else the first offered."""
    offered = v.proof.options
    if wanted:
        match = next((o for o in offered if o.name.casefold() == wanted.casefold()), None)
        if match:
            return match, "asked for"
        rejected = next((o for o in v.proof.rejected if o.name.casefold() == wanted.casefold()), None)
        why = f"it is not available for this shipment ({rejected.why})" if rejected else \
            f"{v.instrument} records no such proof"
        raise CertificateRefused(f"proof {wanted!r} cannot be used under {v.instrument}: {why}; offered: "
                                 f"{', '.join(o.name for o in offered) or 'none'}")
    if not offered:
        raise CertificateRefused(f"{v.instrument} offers no proof of origin for this shipment"
                                 f"{' (' + rejected_all + ')' if (rejected_all := _rejections(v)) else ''}:"
                                 " no certificate type to fill")
    plain = next((o for o in offered if not o.requires), None)
    if plain:
        return plain, "the first proof offered that needs no precondition; choose another with proof"
    return offered[0], f"the first proof offered (it requires {offered[0].requires}); choose another with proof"


def _rejections(v: Verdict) -> str:
    return "; ".join(f"{o.name}: {o.why}" for o in v.proof.rejected)


def _criterion(v: Verdict, product: Product) -> OriginCriterion:
    """The codes of the alternative that qualified the good (``passed_by``), with the RVC reached."""
    assert v.passed_by is not None
    tree = parse_rule(v.passed_by)
    parts = tuple(_code(node) for node in _conjuncts(tree))
    rvc = _rvc(v, tree)
    codes = tuple(p for p in parts if p)
    code = "+".join(codes) if len(codes) == len(parts) else None
    also = ("PE",) if _entirely_originating(v, product) and "WO" not in codes else ()
    return OriginCriterion(code=code, parts=codes, rule=v.passed_by, rvc=rvc, also_meets=also)


def _conjuncts(tree: Criterion) -> tuple[Criterion, ...]:
    return tree.parts if isinstance(tree, AllOf) else (tree,)


def _code(node: Criterion) -> str | None:
    if isinstance(node, WhollyObtained):
        return "WO"
    if isinstance(node, TariffShift) and node.level in _LEVEL_CODES and not node.exceptions and not node.allowed:
        return _LEVEL_CODES[node.level]
    if isinstance(node, Rvc):
        return f"RVC{format(node.threshold.normalize(), 'f')}"
    return None


def _rvc(v: Verdict, tree: Criterion) -> RegionalValueContent | None:
    """The RVC the good reached under the RVC part of the qualifying alternative (its judged node)."""
    node = next((n for n in _conjuncts(tree) if isinstance(n, Rvc)), None)
    if node is None or isinstance(tree, AnyOf):
        return None
    judged = _judged(v.criteria, v.passed_by)
    result = next((r for r in v.criteria if judged and _within(r.node, judged.node) and "rvc_pct" in r.numbers
                   and r.passed), None)
    if result is None:
        return None
    method: Literal["build-down", "build-up"] = "build-up" if "vom" in result.numbers else "build-down"
    return RegionalValueContent(percent=result.numbers["rvc_pct"], threshold=node.threshold, method=method)


def _judged(results: tuple[CriterionResult, ...], text: str | None) -> CriterionResult | None:
    return next((r for r in results if r.text == text and r.passed), None)


def _within(node: str, ancestor: str) -> bool:
    return node == ancestor or node.startswith(ancestor + ".")


def _entirely_originating(v: Verdict, product: Product) -> bool:
    """PE: every material counts as originating, which the verdict shows when the product has materials,
    each of a positive value, and the value of non-originating materials is zero."""
    return bool(product.bom) and v.numbers.vnm == 0 and all(m.value > 0 for m in product.bom)

