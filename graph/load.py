"""Write a checked ``SeedSet`` into the graph: batched UNWIND + MERGE in one managed transaction.

MERGE on each fact's key makes a second load change nothing; one transaction makes a load
all-or-nothing (a failure part-way rolls everything back). Shapes that follow from the data are
derived here rather than written in the seeds: an HS code's level and parent, and the kind of each
correlation link (1:1, 1:n, n:1 or n:n), which depends on the whole group of links it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx
from neo4j import ManagedTransaction

from engine.criteria import criterion_to_json, parse_rule
from graph import queries
from graph.lineage import hs_uid  # noqa: F401 - imported from here by the writers
from graph.schema import install_schema
from graph.store import Store
from graph.tariffs import tariff_rows
from seeds.read import SeedSet
from seeds.schema import AnnexCoverage, CorrelationRow, Fact

BATCH = 1000


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def fact_props(fact: Fact, **extra: Any) -> dict[str, Any]:
    """The stored properties of a fact: its provenance plus ``extra``, dates as ISO strings."""
    props = {"source": fact.source, "note": fact.note, "confidence": fact.confidence, **extra}
    return {k: _iso(v) if isinstance(v, date) else v for k, v in props.items()}


def annex_props(annex: AnnexCoverage | None) -> dict[str, Any]:
    """A PSR_SCHEDULE's annex coverage as stored; none at all when the seed records none, so a seed
    load keeps the coverage an import recorded (``graph.psr`` reads it)."""
    if annex is None:
        return {}
    return {"annex_coverage": annex.coverage, "annex_covers": list(annex.covers), "annex_source": annex.source,
            "annex_note": annex.note}


def correlation_kinds(links: Iterable[CorrelationRow]) -> dict[tuple[str, str], str]:
    """Kind of each link from the shape of its connected group: 1:1, 1:n, n:1 or n:n."""
    group = nx.Graph()
    for link in links:
        group.add_edge(("from", hs_uid(link.from_version, link.from_code)),
                       ("to", hs_uid(link.to_version, link.to_code)))
    kinds: dict[tuple[str, str], str] = {}
    for component in nx.connected_components(group):
        sources = sum(1 for side, _ in component if side == "from")
        targets = len(component) - sources
        kind = f"{'1' if sources == 1 else 'n'}:{'1' if targets == 1 else 'n'}"
        for side, uid in component:
            if side == "from":
                for _, target in group.edges(("from", uid)):
                    kinds[(uid, target[1])] = kind
    return kinds


def seed_rows(seeds: SeedSet) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every write of a load, in dependency order, as (statement name, rows)."""
    blocs = seeds.blocs.blocs if seeds.blocs else []
    versions = seeds.versions.versions if seeds.versions else []
    kinds = correlation_kinds(seeds.correlations)
    instruments = [(a.agreement.code, i) for a in seeds.agreements for i in a.instruments]

    return [
        ("MERGE_COUNTRIES", [{"code": c.code, "props": fact_props(c, name=c.name)} for c in seeds.countries]),
        ("MERGE_BLOCS", [{"code": b.code, "props": fact_props(b, name=b.name)} for b in blocs]),
        ("MERGE_MEMBERSHIPS", [
            {"country": m.country, "bloc": b.code, "from": _iso(m.valid_from),
             "props": fact_props(m, until=m.valid_until)}
            for b in blocs for m in b.members]),
        ("MERGE_HS_VERSIONS", [{"code": v.code, "props": fact_props(v, in_force_from=v.in_force_from)}
                               for v in versions]),
        ("MERGE_HS_VERSION_SUCCESSION", [{"code": v.code, "follows": v.follows} for v in versions if v.follows]),
        ("MERGE_HS_CODES", [
            {"uid": hs_uid(c.version, c.code),
             "props": fact_props(c, code=c.code, version=c.version, level=len(c.code), description=c.description)}
            for c in seeds.codes]),
        ("MERGE_HS_HIERARCHY", [
            {"uid": hs_uid(c.version, c.code), "parent": hs_uid(c.version, c.code[:-2])}
            for c in seeds.codes if len(c.code) > 2]),
        ("MERGE_CORRELATIONS", [
            {"from_uid": (f := hs_uid(r.from_version, r.from_code)), "to_uid": (t := hs_uid(r.to_version, r.to_code)),
             "props": fact_props(r, kind=kinds[(f, t)], partial=r.partial)}
            for r in seeds.correlations]),
        ("MERGE_AGREEMENTS", [{"code": a.agreement.code, "props": fact_props(a.agreement, name=a.agreement.name)}
                              for a in seeds.agreements]),
        ("MERGE_INSTRUMENTS", [
            {"code": i.code, "agreement": agreement, "props": fact_props(
                i, agreement=agreement, kind=i.kind, title=i.title, signed=i.signed,
                entry_into_force=i.entry_into_force, pairing=i.pairing, general_rule=i.general_rule, general_rule_note=i.general_rule_note,
                general_criteria=criterion_to_json(parse_rule(i.general_rule)) if i.general_rule else None,
                status=i.status, expected=i.expected,
                origin_terms=i.origin.model_dump_json(by_alias=True) if i.origin else None)}
            for agreement, i in instruments]),
        ("MERGE_AMENDMENTS", [{"code": i.code, "amends": i.amends} for _, i in instruments if i.amends]),
        ("MERGE_PSR_SCHEDULES", [
            {"instrument": i.code, "hs_version": s.hs_version,
             "props": fact_props(s, **{"from": s.valid_from}, until=s.valid_until, transition_until=s.transition_until,
                                 **annex_props(s.annex))}
            for _, i in instruments for s in i.psr_schedules]),
        ("MERGE_PROVISIONS", [
            {"instrument": i.code, "uid": f"{i.code}:{p.key}",
             "props": fact_props(p, key=p.key, instrument=i.code, article=p.article, title=p.title,
                             extends_to=p.extends_to, accepts_declarations_under=p.accepts_declarations_under)}
            for _, i in instruments for p in i.provisions]),
        ("MERGE_PARTIES", [
            {"party": p.party, "instrument": i.code, "props": fact_props(
                p, side=p.side, signed=p.signed, ratified=p.ratified, in_force_from=p.in_force_from,
                in_force_until=p.in_force_until, status=p.status)}
            for _, i in instruments for p in i.parties]),
        ("MERGE_RESERVATIONS", [
            {"party": p.party, "provision": f"{i.code}:{r.provision}", "props": fact_props(r, kind=r.kind, until=r.until)}
            for _, i in instruments for p in i.parties for r in p.reservations]),
        ("MERGE_PSRS", [
            {"uid": f"{p.instrument}:{p.hs_version}:{p.scope}:{_iso(p.valid_from) or 'undated'}", "instrument": p.instrument,
             "target": hs_uid(p.hs_version, p.code), "props": fact_props(
                p, instrument=p.instrument, hs_version=p.hs_version, scope=p.scope, ex=p.ex, rule=p.rule or p.text,
                criteria=criterion_to_json(parse_rule(p.rule)) if p.rule else None, machine_evaluable=p.rule is not None,
                text=p.text, reason=p.reason, licence=p.licence, valid_from=p.valid_from, valid_until=p.valid_until)}
            for p in seeds.psrs]),
        *tariff_rows(seeds),
    ]


@dataclass(frozen=True)
class LoadSummary:
    written: dict[str, int]


def load_seeds(store: Store, seeds: SeedSet) -> LoadSummary:
    """Install the schema, then write every seed fact in a single transaction."""
    install_schema(store)
    plan = seed_rows(seeds)
    statements = queries.all_queries()

    def write(tx: ManagedTransaction) -> None:
        for name, rows in plan:
            for start in range(0, len(rows), BATCH):
                tx.run(statements[name], rows=rows[start:start + BATCH]).consume()

    store.write_tx(write)
    return LoadSummary({name: len(rows) for name, rows in plan})


def count_graph(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    """Node counts per label and relationship counts per type."""
    nodes = {r["label"]: r["count"] for r in store.read(queries.COUNT_NODES_BY_LABEL)}
    rels = {r["type"]: r["count"] for r in store.read(queries.COUNT_RELATIONSHIPS_BY_TYPE)}
    return nodes, rels
