"""Verdict records in the graph: append a verdict with its inputs and rule data to a hash chain, list and
show records, verify the chain, and re-evaluate a record's inputs against today's rules.

What a record holds and how the chain is checked is ``engine.records``; this module reads the rule data a
verdict used, and reads and writes ``VerdictRecord`` / ``RecordChain`` nodes (``graph.queries.records``).
All the records of one evaluation are appended in one managed transaction that first takes the chain head.
"""

from __future__ import annotations

import json
import random
import time
from datetime import date, datetime, timezone
from typing import Any

from neo4j.exceptions import ConstraintError
from pydantic import BaseModel, ConfigDict

from engine.models import Product, Shipment
from engine.records import (ChainCheck, Recheck, Retention, StoredRecord, canonical, content_hash, index_fields,
                            recheck, retention, verify)
from engine.verdict import Verdict
from graph import queries
from graph.errors import NotFound
from graph.store import Store

DEFAULT_CHAIN = "verdicts"
_APPEND_ATTEMPTS = 20


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class RecordSummary(_Frozen):
    id: int
    hash: str
    recorded_at: str
    sku: str
    exporter: str
    importer: str
    shipment_date: str
    agreement: str
    instrument: str
    originating: bool
    keep_until: str | None


class RecordList(_Frozen):
    chain: str
    expired_on: date | None
    total: int
    limit: int
    offset: int
    items: tuple[RecordSummary, ...]


class RecordDetail(_Frozen):
    """A record as stored, with whether its content still matches its hash."""

    id: int
    chain: str
    hash: str
    previous_hash: str | None
    intact: bool
    recorded_at: str
    source: str
    product: dict[str, Any]
    shipment: dict[str, Any]
    verdict: dict[str, Any]
    rule_data_hash: str
    rule_data: dict[str, Any]
    retention: Retention


def rule_data(store: Store, verdict: Verdict) -> dict[str, Any]:
    """The rule data a verdict used, as the graph holds it now: the instrument's amendment chain (each
    text's general rule and origin terms), the PSRs of its trace and the trace facts themselves."""
    chain = store.read(queries.RULE_DATA_OF_INSTRUMENT, instrument=verdict.instrument)
    uids = sorted({f.key["uid"] for f in verdict.trace.facts if f.kind == "Psr"})
    psrs = store.read(queries.RULE_DATA_OF_PSRS, uids=uids) if uids else []
    return {"instrument": verdict.instrument,
            "instruments": [{**{k: v for k, v in row.items() if k != "depth"},
                             "origin_terms": json.loads(row["origin_terms"]) if row["origin_terms"] else None}
                            for row in chain],
            "psrs": psrs,
            "facts": [f.model_dump(mode="json") for f in verdict.trace.facts]}


def _terms(data: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The origin terms that apply (the nearest text of the chain that sets them) and that text."""
    row = next((i for i in data["instruments"] if i["origin_terms"] is not None), None)
    return (row["origin_terms"], row["code"]) if row else (None, None)


def record_verdicts(store: Store, product: Product, shipment: Shipment, verdicts: tuple[Verdict, ...], source: str,
                    chain: str = DEFAULT_CHAIN) -> tuple[RecordSummary, ...]:
    """Append one record per verdict, in one managed transaction that takes the chain head first."""
    prepared = []
    for v in verdicts:
        data = rule_data(store, v)
        terms, defined_by = _terms(data)
        kept = retention(terms, defined_by, v.instrument, shipment, tuple(o.name for o in v.proof.options))
        prepared.append((v, data, kept))
    inputs = {"source": source, "product": product.model_dump(mode="json"),
              "shipment": shipment.model_dump(mode="json")}
    recorded_at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")

    def append(tx) -> list[dict[str, Any]]:
        out = []
        for v, data, kept in prepared:
            head = tx.run(queries.TAKE_RECORD_CHAIN_HEAD, chain=chain).single()
            seq, previous = head["seq"], head["previous_hash"]
            body = {"chain": chain, "seq": seq, "previous_hash": previous, "recorded_at": recorded_at,
                    "inputs": inputs, "verdict": v.model_dump(mode="json"), "rule_data": data,
                    "rule_data_hash": content_hash(canonical(data)), "retention": kept.model_dump(mode="json")}
            content = canonical(body)
            digest = content_hash(content)
            props = {**index_fields(body), "uid": f"{chain}:{seq}", "hash": digest, "content": content}
            tx.run(queries.APPEND_VERDICT_RECORD, chain=chain, props=props, hash=digest).consume()
            if seq > 1:
                tx.run(queries.LINK_VERDICT_RECORD, uid=props["uid"], previous_uid=f"{chain}:{seq - 1}").consume()
            out.append(props)
        return out

    for attempt in range(_APPEND_ATTEMPTS):
        try:
            return tuple(_summary(p) for p in store.write_tx(append))
        except ConstraintError:
            # The embedded ArcadeDB does not lock the head: a concurrent append took the same position,
            # and the unique ``uid`` refused this one whole. Take the new head and append again.
            if attempt == _APPEND_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def _summary(props: dict[str, Any]) -> RecordSummary:
    return RecordSummary(id=props["seq"], **{k: props.get(k) for k in RecordSummary.model_fields if k != "id"})


def list_records(store: Store, limit: int = 50, offset: int = 0, expired_on: date | None = None,
                 chain: str = DEFAULT_CHAIN) -> RecordList:
    """Records in chain order; with ``expired_on``, only those whose retention ended before that day (a
    record whose retention is not recorded is never listed as expired)."""
    day = expired_on.isoformat() if expired_on else None
    total = store.read(queries.COUNT_VERDICT_RECORDS, chain=chain, expired_on=day)[0]["total"]
    rows = store.read(queries.VERDICT_RECORD_SUMMARIES, chain=chain, expired_on=day, limit=limit, offset=offset)
    return RecordList(chain=chain, expired_on=expired_on, total=total, limit=limit, offset=offset,
                      items=tuple(RecordSummary(id=r.pop("seq"), **r) for r in rows))


def _stored(store: Store, record: int, chain: str) -> dict[str, Any]:
    rows = store.read(queries.VERDICT_RECORD, chain=chain, seq=record)
    if not rows:
        raise NotFound(f"no record {record} in chain {chain!r}: `origingraph records list` shows the records",
                       "record")
    return rows[0]["props"]


def _body(props: dict[str, Any], record: int) -> dict[str, Any]:
    try:
        return json.loads(props["content"])
    except (KeyError, TypeError, ValueError):
        raise NotFound(f"record {record} has no readable content (it was changed): run `origingraph records verify`",
                       "record") from None


def show_record(store: Store, record: int, chain: str = DEFAULT_CHAIN) -> RecordDetail:
    props = _stored(store, record, chain)
    body = _body(props, record)
    return RecordDetail(id=record, chain=chain, hash=props.get("hash"), previous_hash=body["previous_hash"],
                        intact=content_hash(props["content"]) == props.get("hash"), recorded_at=body["recorded_at"],
                        source=body["inputs"]["source"], product=body["inputs"]["product"],
                        shipment=body["inputs"]["shipment"], verdict=body["verdict"],
                        rule_data_hash=body["rule_data_hash"], rule_data=body["rule_data"],
                        retention=Retention.model_validate(body["retention"]))


def verify_records(store: Store, chain: str = DEFAULT_CHAIN, noted_head: str | None = None) -> ChainCheck:
    """Check the whole chain: every changed, removed or reordered record is named (and, with ``noted_head``,
    that a head hash noted outside the graph is still in it)."""
    head = store.read(queries.RECORD_CHAIN_HEAD, chain=chain)
    rows = store.read(queries.RECORDS_OF_CHAIN, chain=chain)
    length, digest = (head[0]["length"], head[0]["head"]) if head else (None, None)
    if not head and not rows:
        length = 0
    return verify(chain, [StoredRecord(properties=r["props"]) for r in rows], length, digest, noted_head)


def recheck_record(store: Store, record: int, chain: str = DEFAULT_CHAIN) -> Recheck:
    """Evaluate the record's product and shipment again on today's graph and compare with what was recorded."""
    from graph.origin import evaluate_shipment

    props = _stored(store, record, chain)
    if not isinstance(props.get("content"), str) or content_hash(props["content"]) != props.get("hash"):
        raise NotFound(f"record {record}'s content does not match its hash: it was changed, so its inputs are not "
                       "re-evaluated; run `origingraph records verify`", "record")
    body = _body(props, record)
    product = Product.model_validate(body["inputs"]["product"])
    shipment = Shipment.model_validate(body["inputs"]["shipment"])
    instrument = body["verdict"]["instrument"]
    report = evaluate_shipment(store, product, shipment)
    now = next((v for v in report.verdicts if v.instrument == instrument), None)
    reason = None
    if now is None:
        undetermined = next((u for u in report.undetermined if u.instrument == instrument), None)
        reason = undetermined.reason if undetermined else \
            f"{instrument} no longer binds {shipment.exporter}-{shipment.importer} on {shipment.date}"
    return recheck(record, body, now.model_dump(mode="json") if now else None,
                   rule_data(store, now) if now else None, reason)
