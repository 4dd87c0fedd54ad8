"""Does a product originate: the graph supplies every fact, ``engine.evaluate`` decides.

For each instrument that binds the exporter and importer on the shipment date (with its PSR for
the product's code), this module gathers what the pure engine needs: the instrument's origin
terms (inherited along AMENDS), the countries bound on the date, the cumulation provisions that
apply to the pair with the countries they reach, the PSRs of in-house intermediates, every HS
mapping between the BOM's editions and the rule's, and the graph facts used, so each verdict can
be replayed in Neo4j Browser from ``trace_cypher``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from engine.applicability import Pending
from engine.bom_input import BomDocument, parse_bom
from engine.criteria import parse_rule
from engine.evaluate import evaluate
from engine.models import (CodeMapping, ConsignmentTerms, Cumulation, Evaluation, Instrument, Material, Product,
                           Psr, Shipment, TraceFact)
from engine.verdict import Trace, Verdict
from graph import queries
from graph.applicability import InstrumentRules, rules_between
from graph.lineage import lineage
from graph.load import hs_uid
from graph.psr import governing_rule
from graph.store import Store
from seeds.schema import OriginTerms

_CUMULATION_KINDS = ("bilateral", "diagonal", "full", "extended")


class VerdictReport(Verdict):
    """A verdict with how its rule was found and the Cypher that shows its trace in Neo4j Browser."""

    schedule_version: str | None = None
    rule_notes: tuple[str, ...] = ()
    terms_defined_by: str | None = None
    trace_cypher: str


class Undetermined(BaseModel):
    """An instrument that binds the pair but for which the graph holds no rule to judge by."""

    model_config = ConfigDict(frozen=True)

    agreement: str
    instrument: str
    reason: str


class OriginReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    exporter: str
    importer: str
    date: date
    verdicts: tuple[VerdictReport, ...]
    undetermined: tuple[Undetermined, ...] = ()
    pending: tuple[Pending, ...]


def read_bom(store: Store, path: Path) -> BomDocument:
    """Parse a BOM file, rejecting HS codes the graph does not know (with the line)."""
    return parse_bom_text(store, path.read_text(encoding="utf-8"), path.name)


def parse_bom_text(store: Store, text: str, filename: str) -> BomDocument:
    """Parse BOM ``text`` (format by ``filename``'s suffix), rejecting HS codes the graph does not know."""
    known: dict[tuple[str, str], bool] = {}

    def is_known(version: str, code: str) -> bool:
        if (version, code) not in known:
            uid = hs_uid(version, code)
            known[(version, code)] = bool(store.read(queries.KNOWN_HS_CODES, uids=[uid]))
        return known[(version, code)]

    return parse_bom(text, filename, is_known)


def _materials(materials: tuple[Material, ...]) -> Iterator[Material]:
    for m in materials:
        yield m
        yield from _materials(m.components)


def _bound_countries(store: Store, instrument: str, day: str) -> tuple[set[str], list[dict]]:
    rows = store.read(queries.COUNTRIES_BOUND_ON_DATE, instrument=instrument, date=day)
    countries = {code for r in rows for code in (r["members"] or [r["party"]])}
    return countries, rows


def _cumulation(store: Store, item: InstrumentRules, shipment: Shipment, bound: set[str]) -> tuple[Cumulation, ...]:
    out = []
    day = shipment.date.isoformat()
    for provision in item.provisions:
        kind = provision.key.removeprefix("cumulation.")
        if not provision.key.startswith("cumulation.") or kind not in _CUMULATION_KINDS or not provision.applies:
            continue
        if kind == "bilateral":
            countries = {shipment.exporter, shipment.importer}
        elif kind == "extended":
            rows = store.read(queries.COUNTRIES_OF_PARTIES_ON_DATE, parties=list(provision.extends_to), date=day)
            countries = {code for r in rows for code in (r["members"] or [r["party"]])}
        else:
            countries = bound
        path = (f"{provision.defined_by} {provision.key} ({provision.article or 'article not recorded'}) applies to "
                f"{shipment.exporter}-{shipment.importer} on {day}: {provision.reason}",
                f"countries reached: {', '.join(sorted(countries))}")
        out.append(Cumulation(provision=provision.key, kind=kind, countries=tuple(sorted(countries)),
                              instruments=provision.accepts_declarations_under, path=path,
                              source=provision.source or ""))
    return tuple(out)


def _mappings(store: Store, product: Product, versions: set[str]) -> tuple[tuple[CodeMapping, ...], list[TraceFact]]:
    """A CodeMapping for every BOM code whose edition differs from one the rules are written in."""
    mappings, facts = [], []
    codes = {(product.hs, product.hs_version)} | {(m.hs, m.hs_version) for m in _materials(product.bom)}
    for code, version in sorted(codes):
        for target in sorted(versions - {version}):
            answer = lineage(store, code, version, target)
            if not answer.targets:
                continue
            mappings.append(CodeMapping(code=code, from_version=version, to_version=target, targets=answer.targets,
                                        ambiguous=answer.ambiguous,
                                        path=tuple(" -> ".join(p.codes) for p in answer.paths)))
            facts += [TraceFact(kind="CorrelatesTo", key={"from": link.from_uid, "to": link.to_uid},
                                summary=f"{link.from_uid} -> {link.to_uid} ({link.kind})")
                      for p in answer.paths for link in p.links]
    return tuple(mappings), facts


def _evaluation(store: Store, item: InstrumentRules, product: Product, shipment: Shipment) -> tuple[Evaluation, str | None]:
    day = shipment.date.isoformat()
    terms_row = store.read(queries.ORIGIN_TERMS_OF_INSTRUMENT, instrument=item.instrument)
    terms = OriginTerms.model_validate_json(terms_row[0]["terms"]) if terms_row else None
    general = store.read(queries.GENERAL_RULE_OF_INSTRUMENT, instrument=item.instrument)
    bound, bound_rows = _bound_countries(store, item.instrument, day)
    instrument = Instrument(
        code=item.instrument, agreement=item.agreement, title=item.title, parties=tuple(sorted(bound)),
        general_rule=parse_rule(general[0]["rule"]) if general else None,
        **({} if terms is None else {
            "rvc_default_method": terms.rvc_default_method, "tolerance": terms.tolerance,
            "fungible": terms.fungible, "consignment": terms.consignment or ConsignmentTerms(),
            "proofs": tuple(terms.proofs), "fob_on_certificate": terms.fob_on_certificate,
            "record_retention_years": terms.record_retention_years,
            "certificate_validity_months": terms.certificate_validity_months}))

    psr = item.psr.match.psr if item.psr and item.psr.match else None
    component_psrs: dict[str, Psr] = {}
    for m in _materials(product.bom):
        if m.components:
            rule = governing_rule(store, item.instrument, m.hs, m.hs_version, shipment.date)
            if rule and rule.match:
                component_psrs[m.hs] = rule.match.psr
    versions = {product.hs_version} | {p.hs_version for p in ([psr] if psr else []) + list(component_psrs.values())}
    mappings, link_facts = _mappings(store, product, versions)
    cumulation = _cumulation(store, item, shipment, bound)

    facts = [TraceFact(kind="Instrument", key={"code": item.instrument}, summary=item.title)]
    for party in item.parties:
        facts.append(TraceFact(kind="PartyTo", key={"party": party.party, "instrument": item.instrument},
                               summary=party.describe()))
        if party.via:
            facts.append(TraceFact(kind="MemberOf", key={"country": party.country, "bloc": party.via.bloc},
                                   summary=f"{party.country} member of {party.via.bloc} from {party.via.valid_from}"))
    facts += [TraceFact(kind="Provision", key={"uid": f"{p.defined_by}:{p.key}"}, summary=p.reason)
              for p in item.provisions if p.key in {c.provision for c in cumulation}]
    facts += [TraceFact(kind="Psr", key={"uid": p.uid}, summary=f"{p.scope}: {p.rule} [{p.source}]")
              for p in ([psr] if psr else []) + list(component_psrs.values())]
    facts += [TraceFact(kind="PartyTo", key={"party": r["party"], "instrument": item.instrument},
                        summary=f"{r['party']} bound from {r['in_force_from']} [{r['source']}]")
              for r in bound_rows if any(c.kind in ("diagonal", "full") for c in cumulation)]
    facts += link_facts
    evaluation = Evaluation(product=product, shipment=shipment, instrument=instrument, psr=psr,
                            psrs_for_components=component_psrs, cumulation=cumulation, mappings=mappings,
                            facts=tuple(facts))
    return evaluation, terms_row[0]["defined_by"] if terms_row else None


def trace_params(trace: Trace) -> dict[str, list[str]]:
    """The graph keys of a verdict's facts, grouped as ``TRACE_SUBGRAPH`` takes them."""
    keys: dict[str, set[str]] = {k: set() for k in
                                 ("instruments", "parties", "countries", "provisions", "psrs", "codes")}
    for fact in trace.facts:
        k = fact.key
        if fact.kind == "Instrument":
            keys["instruments"].add(k["code"])
        elif fact.kind == "PartyTo":
            keys["parties"].add(k["party"])
        elif fact.kind == "MemberOf":
            keys["countries"].add(k["country"])
        elif fact.kind == "Provision":
            keys["provisions"].add(k["uid"])
        elif fact.kind == "Psr":
            keys["psrs"].add(k["uid"])
        elif fact.kind == "CorrelatesTo":
            keys["codes"] |= {k["from"], k["to"]}
    return {name: sorted(values) for name, values in keys.items()}


def trace_cypher(trace: Trace) -> str:
    """A Neo4j Browser script (``:param``, then one fixed query) that draws the facts a verdict used."""
    param = ", ".join(f"{name}: {json.dumps(values)}" for name, values in trace_params(trace).items())
    return f":param trace => {{{param}}}\n{queries.TRACE_SUBGRAPH.strip()}"


def evaluate_shipment(store: Store, product: Product, shipment: Shipment) -> OriginReport:
    """A verdict for the product under every instrument binding the pair on the shipment date."""
    pair = rules_between(store, shipment.exporter, shipment.importer, shipment.date, product.hs, product.hs_version)
    verdicts, undetermined = [], []
    for item in pair.instruments:
        if item.psr is None:
            undetermined.append(Undetermined(
                agreement=item.agreement, instrument=item.instrument,
                reason=f"no PSR for {product.hs_version} {product.hs} and no general rule are recorded for "
                       f"{item.instrument}: origin cannot be judged from the graph's data"))
            continue
        evaluation, terms_by = _evaluation(store, item, product, shipment)
        verdict = evaluate(evaluation)
        verdicts.append(VerdictReport(**dict(verdict), schedule_version=item.psr.schedule_version,
                                      rule_notes=item.psr.notes,
                                      terms_defined_by=terms_by, trace_cypher=trace_cypher(verdict.trace)))
    return OriginReport(sku=product.sku, exporter=shipment.exporter, importer=shipment.importer,
                        date=shipment.date, verdicts=tuple(verdicts), undetermined=tuple(undetermined),
                        pending=pair.pending)
