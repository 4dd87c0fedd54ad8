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
from dataclasses import dataclass, field
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from engine.applicability import Pending, decide_pair
from engine.bom_input import BomDocument, parse_bom
from engine.evaluate import evaluate
from engine.models import (CodeMapping, Cumulation, Evaluation, Instrument, Product, Psr, Shipment, TraceFact,
                           every_material)
from engine.rules import RuleStatus
from engine.terms.cumulation import CUMULATION_KINDS, cumulation_kind, reached_countries
from engine.verdict import Trace, Verdict
from graph import queries
from graph.applicability import InstrumentRules, pair_facts_of, rules_between
from graph.cache import GraphView, SnapshotMiss, collector_paused, graph_view
from graph.errors import NotFound
from graph.lineage import code_links_of, code_properties, hs_uid
from graph.psr import GeneralRule, general_rule_from, governing_rule, rule_answers
from graph.store import Store
from seeds.schema import OriginTerms



class VerdictReport(Verdict):
    """A verdict with how its rule was found and the Cypher that shows its trace in Neo4j Browser.

    ``rule_status`` is ``psr``, ``general_rule`` or ``annex_not_loaded`` (``engine.rules.RuleStatus``);
    ``provisional`` is true, with the reason, when the verdict rests on a general rule shown only because
    the annex (for the product or for an in-house intermediate) is not loaded.
    """

    rule_status: RuleStatus
    provisional: bool = False
    provisional_reason: str | None = None
    schedule_version: str | None = None
    rule_notes: tuple[str, ...] = ()
    terms_defined_by: str | None = None
    trace_cypher: str


class Undetermined(BaseModel):
    """An instrument that binds the pair but for which the graph holds no rule to judge by:
    ``rule_status`` ``text_only`` (the PSR is text) or ``no_rule``."""

    model_config = ConfigDict(frozen=True)

    agreement: str
    instrument: str
    reason: str
    rule_status: RuleStatus = "no_rule"


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
    """Parse BOM ``text`` (format by ``filename``'s suffix), rejecting HS codes the graph does not know.

    The codes are answered from the cache at the graph's revision (``graph.lineage``'s HS code
    answers); those not cached yet are read in one statement after parsing, and only a document with
    an unknown code is parsed again, to report it with its line.
    """
    view = graph_view(store)
    asked: set[tuple[str, str]] = set()

    def is_known(version: str, code: str) -> bool:
        found = view.peek(("hs_code", code, version), _UNASKED)
        if found is _UNASKED:
            asked.add((version, code))
            return True
        return found is not None

    document = parse_bom(text, filename, is_known)
    if not asked:
        return document
    rows = view.read(queries.HS_CODES_BY_UID, uids=sorted(hs_uid(v, c) for v, c in asked))
    found = {r["uid"]: r for r in rows}
    known = {(v, c): view.answer(("hs_code", c, v), lambda r=found.get(hs_uid(v, c)): code_properties(r)) is not None
             for v, c in asked}
    if all(known.values()):
        return document
    return parse_bom(text, filename, lambda version, code: known.get((version, code), True)
                     and view.peek(("hs_code", code, version), ()) is not None)


_UNASKED = object()


class BoundParty(BaseModel):
    """A party bound by an instrument on a date, with the member countries it brings (a bloc's)."""

    model_config = ConfigDict(frozen=True)

    party: str
    in_force_from: str | None = None
    source: str | None = None
    members: tuple[str, ...] = ()


class BoundCountries(BaseModel):
    """The countries an instrument binds on a date (sorted) and the PARTY_TO facts they come from."""

    model_config = ConfigDict(frozen=True)

    countries: tuple[str, ...]
    parties: tuple[BoundParty, ...]


class TermsSource(BaseModel):
    """An instrument's origin terms as stored (JSON), and the text in its chain that sets them."""

    model_config = ConfigDict(frozen=True)

    defined_by: str
    terms: str


class InstrumentContext(BaseModel):
    """What evaluating under an instrument on a date needs beyond the rule, from one statement
    (``INSTRUMENT_CONTEXTS_ON_DATE``): its origin terms and general rule (the newest text in its
    chain that sets them), the countries it binds on the date, and the member countries of the
    parties its extended cumulation reaches (``reached``: party -> countries, sorted)."""

    model_config = ConfigDict(frozen=True)

    terms: TermsSource | None
    general: GeneralRule | None
    bound: BoundCountries
    reached: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def countries_of(self, parties: tuple[str, ...]) -> tuple[str, ...]:
        """The countries ``parties`` (countries or blocs, with their members on the date) stand for, sorted."""
        reached = dict(self.reached)
        return tuple(sorted({code for p in parties if p in reached for code in (reached[p] or (p,))}))


ContextQuestion = tuple[str, str, tuple[str, ...]]
"""An instrument, an ISO date and the parties its extended cumulation reaches."""


def instrument_contexts(store: Store, questions: Iterable[ContextQuestion]) -> dict[ContextQuestion, InstrumentContext]:
    """The context of every (instrument, date, reached parties), from the cache at the view's revision;
    the questions not cached yet are read in one statement."""
    view = graph_view(store)
    out: dict[ContextQuestion, InstrumentContext] = {}
    missing: list[ContextQuestion] = []
    for question in dict.fromkeys(questions):
        found = view.peek(("instrument_context", *question))
        if found is None:
            missing.append(question)
        else:
            out[question] = found
    if missing:
        rows = view.read(queries.INSTRUMENT_CONTEXTS_ON_DATE, questions=[
            {"key": n, "instrument": instrument, "date": day, "reached": list(reached)}
            for n, (instrument, day, reached) in enumerate(missing)])
        for row in rows:
            question = missing[row["key"]]
            bound = sorted(row["bound"], key=lambda r: r["party"])
            context = InstrumentContext(
                terms=TermsSource(**row["terms"]) if row["terms"] else None, general=general_rule_from(row["general"]),
                bound=BoundCountries(
                    countries=tuple(sorted({code for r in bound for code in (r["members"] or [r["party"]])})),
                    parties=tuple(BoundParty(party=r["party"], in_force_from=r["in_force_from"], source=r["source"],
                                             members=tuple(r["members"] or ())) for r in bound)),
                reached=tuple(sorted((r["party"], tuple(sorted(r["members"]))) for r in row["reached"])))
            out[question] = view.answer(("instrument_context", *question), lambda context=context: context)
    return out


def _reached_parties(item: InstrumentRules) -> tuple[str, ...]:
    """The parties named by the provisions that apply under ``item`` whose cumulation kind reaches
    the countries a provision ``extends_to``."""
    return tuple(sorted({party for p in item.provisions if p.applies and (kind := cumulation_kind(p.key))
                         and CUMULATION_KINDS[kind].reach == "extends_to" for party in p.extends_to}))


def _cumulation(context: InstrumentContext, item: InstrumentRules, shipment: Shipment) -> tuple[Cumulation, ...]:
    out = []
    day = shipment.date.isoformat()
    for provision in item.provisions:
        kind = cumulation_kind(provision.key)
        if kind is None or not provision.applies:
            continue
        countries = reached_countries(kind, (shipment.exporter, shipment.importer), context.bound.countries,
                                      context.countries_of(tuple(provision.extends_to)))
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
    codes = {(product.hs, product.hs_version)} | {(m.hs, m.hs_version) for m in every_material(product.bom)}
    translations = [(code, version, target) for code, version in sorted(codes) for target in sorted(versions - {version})]
    links = code_links_of(store, translations)  # one statement for those not cached
    for question in translations:
        link = links[question]
        if isinstance(link, Exception):
            raise link
        if link.mapping is None:
            continue
        mappings.append(link.mapping)
        facts += link.facts
    return tuple(mappings), facts


class PairContext(BaseModel):
    """What every verdict under one instrument for one exporter, importer and date shares.

    Cached per (instrument, exporter, importer, date) at the graph revision, so a batch of BOMs on
    the same lane builds it once: the engine's ``Instrument`` (origin terms, general rule, the
    countries bound), the cumulation that applies, and the trace facts that do not depend on the BOM.
    """

    model_config = ConfigDict(frozen=True)

    instrument: Instrument
    cumulation: tuple[Cumulation, ...]
    head_facts: tuple[TraceFact, ...]
    tail_facts: tuple[TraceFact, ...]
    terms_defined_by: str | None


def pair_context(store: Store, item: InstrumentRules, shipment: Shipment) -> PairContext:
    """The shared part of every evaluation under ``item`` on this shipment's lane and date (cached)."""
    view = graph_view(store)
    return view.answer(("pair_context", item.instrument, shipment.exporter, shipment.importer, shipment.date),
                       lambda: _pair_context(view, item, shipment))


def _pair_context(store: Store, item: InstrumentRules, shipment: Shipment) -> PairContext:
    question = (item.instrument, shipment.date.isoformat(), _reached_parties(item))
    context = instrument_contexts(store, [question])[question]
    terms_row, general, bound = context.terms, context.general, context.bound
    terms = OriginTerms.model_validate_json(terms_row.terms) if terms_row else None
    instrument = Instrument(
        code=item.instrument, agreement=item.agreement, title=item.title, parties=bound.countries,
        general_rule=general.criterion if general else None, **({} if terms is None else {"terms": terms}))
    cumulation = _cumulation(context, item, shipment)

    head = [TraceFact(kind="Instrument", key={"code": item.instrument}, summary=item.title)]
    for party in item.parties:
        head.append(TraceFact(kind="PartyTo", key={"party": party.party, "instrument": item.instrument},
                              summary=party.describe()))
        if party.via:
            head.append(TraceFact(kind="MemberOf", key={"country": party.country, "bloc": party.via.bloc},
                                  summary=f"{party.country} member of {party.via.bloc} from {party.via.valid_from}"))
    head += [TraceFact(kind="Provision", key={"uid": f"{p.defined_by}:{p.key}"}, summary=p.reason)
             for p in item.provisions if p.key in {c.provision for c in cumulation}]
    tail = [TraceFact(kind="PartyTo", key={"party": r.party, "instrument": item.instrument},
                      summary=f"{r.party} bound from {r.in_force_from} [{r.source}]")
            for r in bound.parties if any(CUMULATION_KINDS[c.kind].reach == "parties" for c in cumulation)]
    return PairContext(instrument=instrument, cumulation=cumulation, head_facts=tuple(head), tail_facts=tuple(tail),
                       terms_defined_by=terms_row.defined_by if terms_row else None)


def _evaluation(store: Store, item: InstrumentRules, product: Product,
                shipment: Shipment) -> tuple[Evaluation, str | None, list[str]]:
    """The engine's input under ``item``, the text that set the origin terms, and why the intermediates'
    rules are provisional (a general rule used where the annex is not loaded)."""
    view = graph_view(store)
    context = pair_context(view, item, shipment)
    psr = item.psr.match.psr if item.psr and item.psr.match else None
    component_psrs: dict[str, Psr] = {}
    provisional: list[str] = []
    for m in every_material(product.bom):
        if m.components:
            rule = governing_rule(view, item.instrument, m.hs, m.hs_version, shipment.date)
            if rule and rule.match:
                component_psrs[m.hs] = rule.match.psr
            elif rule and rule.provisional:
                provisional.append(f"intermediate {m.id} ({m.hs_version} {m.hs}): {rule.status_reason}")
    versions = {product.hs_version} | {p.hs_version for p in ([psr] if psr else []) + list(component_psrs.values())}
    mappings, link_facts = _mappings(view, product, versions)

    facts = list(context.head_facts)
    facts += [TraceFact(kind="Psr", key={"uid": p.uid}, summary=f"{p.scope}: {p.rule} [{p.source}]")
              for p in ([psr] if psr else []) + list(component_psrs.values())]
    facts += context.tail_facts
    facts += link_facts
    evaluation = Evaluation(product=product, shipment=shipment, instrument=context.instrument, psr=psr,
                            psrs_for_components=component_psrs, cumulation=context.cumulation, mappings=mappings,
                            facts=tuple(facts))
    return evaluation, context.terms_defined_by, provisional


def evaluation_inputs(store: Store, item: InstrumentRules, product: Product, shipment: Shipment) -> Evaluation:
    """The engine's input under ``item`` for this product and shipment: what ``evaluate_shipment`` judges
    (``graph.advice`` varies only the product)."""
    return _evaluation(store, item, product, shipment)[0]


_TRACE_KEYS = {"Instrument": ("instruments", ("code",)), "PartyTo": ("parties", ("party",)),
               "MemberOf": ("countries", ("country",)), "Provision": ("provisions", ("uid",)),
               "Psr": ("psrs", ("uid",)), "CorrelatesTo": ("codes", ("from", "to"))}
"""Where each kind of trace fact puts its graph keys in ``TRACE_SUBGRAPH``'s parameter."""


def trace_params(trace: Trace) -> dict[str, list[str]]:
    """The graph keys of a verdict's facts, grouped as ``TRACE_SUBGRAPH`` takes them."""
    keys: dict[str, set[str]] = {name: set() for name, _ in _TRACE_KEYS.values()}
    for fact in trace.facts:
        found = _TRACE_KEYS.get(fact.kind)
        if found is not None:
            name, names = found
            for key in names:
                keys[name].add(fact.key[key])
    return {name: sorted(values) for name, values in keys.items()}


def trace_cypher(trace: Trace) -> str:
    """A Neo4j Browser script (``:param``, then one fixed query) that draws the facts a verdict used."""
    param = ", ".join(f"{name}: {json.dumps(values)}" for name, values in trace_params(trace).items())
    return f":param trace => {{{param}}}\n{queries.TRACE_SUBGRAPH.strip()}"


@dataclass
class LaneQuestions:
    """What the BOMs of one lane (exporter, importer, date) ask the graph: the products' codes, the
    in-house intermediates' codes and every BOM code, each as (code, HS edition)."""

    products: set[tuple[str, str]] = field(default_factory=set)
    intermediates: set[tuple[str, str]] = field(default_factory=set)
    codes: set[tuple[str, str]] = field(default_factory=set)

    def update(self, other: LaneQuestions) -> None:
        self.products |= other.products
        self.intermediates |= other.intermediates
        self.codes |= other.codes

    def add(self, product: Product) -> None:
        self.products.add((product.hs, product.hs_version))
        self.codes.add((product.hs, product.hs_version))
        for m in every_material(product.bom):
            self.codes.add((m.hs, m.hs_version))
            if m.components:
                self.intermediates.add((m.hs, m.hs_version))


Lane = tuple[str, str, date]


def answer_questions(view: GraphView, questions: dict[Lane, LaneQuestions]) -> dict[tuple, str]:
    """Answer everything evaluating these lanes' BOMs asks the graph, in four statements for all of
    them (what the view has cached is not read again): the lanes' facts, the rules of every product
    and intermediate code under every instrument that applies, those instruments' evaluation
    contexts, and the lineage of every BOM code into the editions of the rules found. The answers
    stay in the view's cache (what :func:`evaluate_shipment` then reads, or a batch's snapshot);
    the product questions that fail (unknown country or code) are returned with their message."""
    lanes = sorted(questions)
    facts = pair_facts_of(view, lanes)
    applied: dict[Lane, tuple[str, ...]] = {}
    for lane in lanes:
        if {lane[0], lane[1]} <= facts[lane].known:
            applied[lane] = tuple(a.instrument for a in decide_pair(list(facts[lane].instruments), lane[2]).applied)
    rule_answers(view, [(instrument, code, version, lane[2]) for lane in lanes for instrument in applied.get(lane, ())
                        for code, version in sorted(questions[lane].products | questions[lane].intermediates)])

    errors: dict[tuple, str] = {}
    found: list[tuple[Lane, InstrumentRules]] = []
    for lane in lanes:
        q = questions[lane]
        for hs, version in sorted(q.products):
            try:
                pair = rules_between(view, *lane, hs, version)
            except NotFound as exc:
                errors[(*lane, hs, version)] = str(exc)
                continue
            found += [(lane, item) for item in pair.instruments if item.psr is not None]
    instrument_contexts(view, [(item.instrument, lane[2].isoformat(), _reached_parties(item)) for lane, item in found])

    versions: dict[Lane, set[str]] = {lane: {v for _, v in questions[lane].products} for lane in lanes}
    for lane, item in found:
        if item.psr.match:
            versions[lane].add(item.psr.match.psr.hs_version)
    # The lane's context and its intermediates' rules depend on the instrument, not on the product.
    for lane, item in {(lane, item.instrument): (lane, item) for lane, item in found}.values():
        pair_context(view, item, Shipment(exporter=lane[0], importer=lane[1], date=lane[2]))
        for code, code_version in sorted(questions[lane].intermediates):
            try:
                rule = governing_rule(view, item.instrument, code, code_version, lane[2])
            except NotFound:
                continue
            if rule and rule.match:
                versions[lane].add(rule.match.psr.hs_version)
    translations = []
    for lane in lanes:
        codes = sorted(questions[lane].codes)
        others = {version: sorted(versions[lane] - {version}) for version in {v for _, v in codes}}
        translations += [(code, version, target) for code, version in codes for target in others[version]]
    code_links_of(view, translations)
    return errors


def evaluate_shipment(store: Store | GraphView, product: Product, shipment: Shipment) -> OriginReport:
    """A verdict for the product under every instrument binding the pair on the shipment date.

    Graph answers come from the per-process cache at the graph's current revision (one revision
    read per call; none when ``store`` is already a :class:`~graph.cache.GraphView`). The report is
    tried from the cache alone first; if anything is missing, what the BOM asks that is not cached
    is read in the few statements of :func:`answer_questions`, whichever of its codes are new (the
    product's rules may be cached while a material's lineage is not).
    """
    view = graph_view(store)
    if view.cached:
        try:  # a warm question: everything it needs is cached, and working out what that is costs more
            return origin_report(view.cached_only(), product, shipment)
        except SnapshotMiss:
            pass
        asked = LaneQuestions()
        asked.add(product)
        answer_questions(view, {(shipment.exporter, shipment.importer, shipment.date): asked})
    return origin_report(view, product, shipment)


def origin_report(store: GraphView, product: Product, shipment: Shipment) -> OriginReport:
    """The report of :func:`evaluate_shipment` from the answers the view already has (a chunk's, asked
    together; a batch's snapshot), or, on a view that caches nothing, asking as it goes."""
    pair = rules_between(store, shipment.exporter, shipment.importer, shipment.date, product.hs, product.hs_version)
    verdicts, undetermined = [], []
    for item in pair.instruments:
        if item.psr is None or item.psr.criterion is None:
            reason = (f"no PSR for {product.hs_version} {product.hs} and no general rule: {item.rule_status_reason}"
                      if item.psr is None else
                      f"the governing PSR ({item.psr.match.psr.scope}) is text only, no verdict: {item.psr.rule}"
                      f" ({item.psr.match.text_only_reason})")
            undetermined.append(Undetermined(agreement=item.agreement, instrument=item.instrument, reason=reason,
                                             rule_status=item.rule_status or "no_rule"))
            continue
        evaluation, terms_by, intermediates = _evaluation(store, item, product, shipment)
        verdict = evaluate(evaluation)
        why = ([item.psr.status_reason] if item.psr.provisional else []) + intermediates
        # The verdict and the graph's answers are validated models already: construct, do not re-validate.
        verdicts.append(VerdictReport.model_construct(**dict(verdict), rule_status=item.psr.rule_status,
                                                      provisional=bool(why),
                                                      provisional_reason="; ".join(why) or None,
                                                      schedule_version=item.psr.schedule_version,
                                                      rule_notes=item.psr.notes, terms_defined_by=terms_by,
                                                      trace_cypher=trace_cypher(verdict.trace)))
    return OriginReport.model_construct(sku=product.sku, exporter=shipment.exporter, importer=shipment.importer,
                                        date=shipment.date, verdicts=tuple(verdicts),
                                        undetermined=tuple(undetermined), pending=pair.pending)


def evaluate_shipments(store: Store | GraphView, jobs: Iterable[tuple[Product, Shipment]],
                       chunk_size: int = 1000) -> Iterator[OriginReport]:
    """Reports for many (product, shipment) pairs, reading the graph revision once for the whole batch
    and what the jobs ask the graph in a few statements per ``chunk_size`` jobs (:func:`answer_questions`)."""
    view = graph_view(store)
    pending = iter(jobs)
    while chunk := list(islice(pending, chunk_size)):
        if not view.cached:
            yield from (origin_report(view, product, shipment) for product, shipment in chunk)
            continue
        # Every job's questions, even one whose product's rules are cached: its materials' codes may be
        # new (a later chunk), and answer_questions reads only what the view has not cached.
        questions: dict[Lane, LaneQuestions] = {}
        for product, shipment in chunk:
            questions.setdefault((shipment.exporter, shipment.importer, shipment.date), LaneQuestions()).add(product)
        # The chunk's reports are made before any is yielded: a caller's pace never holds the collector paused.
        with collector_paused():
            answer_questions(view, questions)
            reports = [origin_report(view, product, shipment) for product, shipment in chunk]
        yield from reports
