"""Write a checked ``SeedSet`` into the graph: batched UNWIND + MERGE in one managed transaction.

MERGE on each fact's key makes a second load change nothing; one transaction makes a load
all-or-nothing (a failure part-way rolls everything back). Shapes that follow from the data are
derived here rather than written in the seeds: an HS code's level and parent, and the kind of each
correlation link (1:1, 1:n, n:1 or n:n), which depends on the whole group of links it belongs to.

A reload of unchanged seeds writes nothing. Each load records, in the same transaction, a content
hash of every statement's Cypher and rows and the graph revision its commit produces
(``(:SeedLoad {key: 'seeds'})``). While the graph is still at that revision (no write of any kind
since, as every managed write bumps it), a statement whose hash is unchanged would only MERGE what
is already there, so it is skipped; loads never delete, so what an unchanged statement wrote is still
in place. Once anything else has written, the recorded hashes prove nothing and every statement runs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from neo4j import ManagedTransaction

from engine.criteria import criterion_to_json, parse_rule
from graph import queries
from graph.lineage import hs_uid  # noqa: F401 - imported from here by the writers
from graph.schema import install_schema
from graph.store import Store
from graph.tariffs import tariff_rows
from seeds.read import SeedSet
from seeds.schema import AnnexCoverage, CorrelationRow, Fact

# Rows per UNWIND statement. On the embedded store each statement has a fixed cost that a cold JVM pays
# dearly; 5,000 rows took a fresh full load from 29 s to 17 s of wall time (benchmarks/load.py).
BATCH = 5000
SEED_LOAD_KEY = "seeds"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def fact_props(fact: Fact, **extra: Any) -> dict[str, Any]:
    """The stored properties of a fact: its provenance plus ``extra``, dates as ISO strings."""
    props = {"source": fact.source, "note": fact.note, "confidence": fact.confidence, **extra}
    for key, value in extra.items():
        if isinstance(value, date):
            props[key] = value.isoformat()
    return props


def annex_props(annex: AnnexCoverage | None) -> dict[str, Any]:
    """A PSR_SCHEDULE's annex coverage as stored; none at all when the seed records none, so a seed
    load keeps the coverage an import recorded (``graph.psr`` reads it)."""
    if annex is None:
        return {}
    return {"annex_coverage": annex.coverage, "annex_covers": list(annex.covers), "annex_source": annex.source,
            "annex_note": annex.note}


def correlation_kinds(links: Iterable[CorrelationRow]) -> dict[tuple[str, str], str]:
    """Kind of each link from the shape of its connected group: 1:1, 1:n, n:1 or n:n.

    The groups are the connected components of the bipartite graph of older codes (``from``) and
    newer codes (``to``), found by union-find (a code is a different vertex on each side)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(vertex: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(vertex, vertex)
        while parent[vertex] != vertex:
            parent[vertex] = parent[parent[vertex]]
            vertex = parent[vertex]
        return vertex

    edges = {(hs_uid(link.from_version, link.from_code), hs_uid(link.to_version, link.to_code)) for link in links}
    for older, newer in edges:
        a, b = root(("from", older)), root(("to", newer))
        if a != b:
            parent[a] = b
    sides: dict[tuple[str, str], list[int]] = {}
    for vertex in parent:
        counts = sides.setdefault(root(vertex), [0, 0])
        counts[0 if vertex[0] == "from" else 1] += 1
    kinds: dict[tuple[str, str], str] = {}
    for older, newer in edges:
        sources, targets = sides[root(("from", older))]
        kinds[(older, newer)] = f"{'1' if sources == 1 else 'n'}:{'1' if targets == 1 else 'n'}"
    return kinds


@lru_cache(maxsize=None)
def criteria_json(rule: str) -> str:
    """The stored criteria tree of a rule text, compiled once per distinct text (annexes repeat them)."""
    return criterion_to_json(parse_rule(rule))


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
                general_criteria=criteria_json(i.general_rule) if i.general_rule else None,
                status=i.status, expected=i.expected,
                origin_terms=i.origin.model_dump_json(by_alias=True) if i.origin else None,
                pair_dates=json.dumps([d.model_dump(mode="json") for d in i.pair_dates]) if i.pair_dates else None,
                remanufactured=i.remanufactured.model_dump_json() if i.remanufactured else None)}
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
                criteria=criteria_json(p.rule) if p.rule else None, machine_evaluable=p.rule is not None,
                text=p.text, reason=p.reason, licence=p.licence, valid_from=p.valid_from, valid_until=p.valid_until)}
            for p in seeds.psrs]),
        *tariff_rows(seeds),
    ]


@dataclass(frozen=True)
class LoadSummary:
    """Facts per statement (all of them are in the graph after the load) and the statements skipped
    because the graph already held exactly what they write."""

    written: dict[str, int]
    unchanged: tuple[str, ...] = field(default=())


def statement_hashes(plan: list[tuple[str, list[dict[str, Any]]]], statements: dict[str, str]) -> dict[str, str]:
    """A content hash per statement: its Cypher and the ``repr`` of its rows, which is exact for the
    values rows hold (text, numbers, booleans, null, lists, maps in the order ``seed_rows`` builds them)."""
    return {name: hashlib.sha256(repr((statements[name], rows)).encode()).hexdigest() for name, rows in plan}


def _graph_revision(rows: list[dict[str, Any]]) -> tuple[str | None, int]:
    """The revision the answer cache reads (``graph.cache.read_revision``: the highest, should a racing
    first write have made two counters)."""
    if not rows:
        return None, 0
    best = max(rows, key=lambda r: (r["revision"] or 0, r["epoch"] or ""))
    return best["epoch"], int(best["revision"] or 0)


def _recorded_hashes(marker: list[dict[str, Any]], revision: list[dict[str, Any]]) -> dict[str, str]:
    """The hashes of the last load when the graph is still exactly as that load left it, else none."""
    if len(marker) != 1 or not marker[0]["hashes"]:
        return {}
    epoch, current = _graph_revision(revision)
    if epoch is None or (marker[0]["epoch"], marker[0]["revision"]) != (epoch, current):
        return {}
    return json.loads(marker[0]["hashes"])


def _read_recorded(tx: ManagedTransaction) -> dict[str, str]:
    return _recorded_hashes(tx.run(queries.SEED_LOAD_MARKER, key=SEED_LOAD_KEY).data(), tx.run(queries.GRAPH_REVISION).data())


def load_seeds(store: Store, seeds: SeedSet, progress: Callable[[str], None] | None = None) -> LoadSummary:
    """Install the schema, then write every seed fact the graph does not already hold, in a single
    transaction; with nothing to write (same seeds, no write since the last load), no transaction.
    ``progress`` is told each statement's name once its rows are written (benchmarks/load.py times them)."""
    plan = seed_rows(seeds)
    statements = queries.all_queries()
    hashes = statement_hashes(plan, statements)
    written = {name: len(rows) for name, rows in plan}
    install_schema(store)
    if store.read_tx(_read_recorded) == hashes:
        return LoadSummary(written, tuple(written))

    def write(tx: ManagedTransaction) -> tuple[str, ...]:
        recorded = _read_recorded(tx)
        unchanged = tuple(name for name, digest in hashes.items() if recorded.get(name) == digest)
        for name, rows in plan:
            if name in unchanged:
                continue
            for start in range(0, len(rows), BATCH):
                tx.run(statements[name], rows=rows[start:start + BATCH]).consume()
            if progress:
                progress(name)
        epoch, revision = _graph_revision(tx.run(queries.ENSURE_GRAPH_REVISION, epoch=uuid.uuid4().hex).data())
        # Store.write_tx bumps the revision by one when this work returns, in this transaction.
        tx.run(queries.RECORD_SEED_LOAD, key=SEED_LOAD_KEY, hashes=json.dumps(hashes, sort_keys=True),
               epoch=epoch, revision=revision + 1).consume()
        return unchanged

    return LoadSummary(written, store.write_tx(write))


def count_graph(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    """Node counts per label and relationship counts per type."""
    nodes = {r["label"]: r["count"] for r in store.read(queries.COUNT_NODES_BY_LABEL)}
    rels = {r["type"]: r["count"] for r in store.read(queries.COUNT_RELATIONSHIPS_BY_TYPE)}
    return nodes, rels
