"""Tamper-evident verdict records: what is hashed, how a chain is checked, how long a record is kept and
whether a recorded verdict still stands. Pure: ``graph.records`` reads and writes the records.

A record is one verdict with its inputs (product with BOM, shipment), the rule data it used (the
instrument's chain with its origin terms and general rule, the PSRs and the facts of its trace) and their
hash, its retention, and the hash of the record before it. Its ``content`` is canonical JSON (sorted keys,
no spaces) and its ``hash`` the SHA-256 of that text, so changing any byte of a record, or the order or
number of records, breaks the chain at a record :func:`verify` names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from engine.models import Shipment

__all__ = ["ChainCheck", "ChainProblem", "Recheck", "Retention", "RetentionDuty", "StoredRecord", "canonical",
           "content_hash", "index_fields", "recheck", "retention", "verify"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def canonical(value: Any) -> str:
    """The one text of a JSON value that is hashed: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- retention


class RetentionDuty(_Frozen):
    """One record-keeping duty that may apply: for a country (``applies_to`` its code), for the whole
    agreement (``*``) or for one proof of origin (its name, when that proof is used)."""

    applies_to: str
    scope: Literal["country", "agreement", "proof"]
    years: int
    basis: str


class Retention(_Frozen):
    """How long the record must be kept: the longest duty that may apply, counted from the shipment date.
    ``keep_until`` is None when no duty is recorded for the agreement and countries involved (``reason``)."""

    duties: tuple[RetentionDuty, ...]
    years: int | None
    counted_from: date
    keep_until: date | None
    reason: str


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retention(terms: Mapping[str, Any] | None, terms_defined_by: str | None, instrument: str,
              shipment: Shipment, offered_proofs: Sequence[str]) -> Retention:
    """The duties ``terms`` (an instrument's origin terms as stored: ``seeds.schema.OriginTerms`` JSON)
    state for the exporter and importer, agreement-wide (``*``) and for the proofs offered."""
    terms = terms or {}
    where = f"origin terms of {terms_defined_by or instrument}"
    by_country = terms.get("record_retention_years") or {}
    duties = [RetentionDuty(applies_to=c, scope="country", years=by_country[c],
                            basis=f"record_retention_years {c} ({where})")
              for c in dict.fromkeys((shipment.exporter, shipment.importer)) if c in by_country]
    if "*" in by_country:
        duties.append(RetentionDuty(applies_to="*", scope="agreement", years=by_country["*"],
                                    basis=f"record_retention_years * ({where})"))
    for proof in terms.get("proofs") or ():
        if proof.get("name") in offered_proofs and proof.get("record_retention_years"):
            duties.append(RetentionDuty(applies_to=proof["name"], scope="proof", years=proof["record_retention_years"],
                                        basis=f"when {proof['name']} is used ({where}"
                                              f"{', ' + proof['article'] if proof.get('article') else ''})"))
    if not duties:
        return Retention(duties=(), years=None, counted_from=shipment.date, keep_until=None,
                         reason=f"no record retention is recorded in the {where} for {shipment.exporter}, "
                                f"{shipment.importer} or the whole agreement: keep it until one is known")
    longest = max(duties, key=lambda d: d.years)
    return Retention(duties=tuple(duties), years=longest.years, counted_from=shipment.date,
                     keep_until=_add_years(shipment.date, longest.years),
                     reason=f"{longest.years} years from the shipment date: the longest duty that may apply "
                            f"({longest.basis})")


# --------------------------------------------------------------------------- the chain


def index_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The properties a record node carries besides ``content`` and ``hash``, derived from the hashed body
    (so :func:`verify` can tell when one of them was changed)."""
    verdict, shipment = body["verdict"], body["inputs"]["shipment"]
    keep_until = body["retention"]["keep_until"]
    return {"chain": body["chain"], "seq": body["seq"], "previous_hash": body["previous_hash"],
            "recorded_at": body["recorded_at"], "sku": body["inputs"]["product"]["sku"],
            "exporter": shipment["exporter"], "importer": shipment["importer"], "shipment_date": shipment["date"],
            "agreement": verdict["agreement"], "instrument": verdict["instrument"],
            "originating": verdict["originating"], "rule_data_hash": body["rule_data_hash"],
            "keep_until": keep_until}


class StoredRecord(_Frozen):
    """A record node as read back: its properties, whatever anyone did to them."""

    properties: dict[str, Any]


class ChainProblem(_Frozen):
    record: int | None
    kind: Literal["changed", "removed", "reordered", "head"]
    detail: str


class ChainCheck(_Frozen):
    chain: str
    ok: bool
    records: int
    length: int
    head: str | None
    problems: tuple[ChainProblem, ...]


def verify(chain: str, stored: Sequence[StoredRecord], length: int | None, head: str | None,
           noted_head: str | None = None) -> ChainCheck:
    """Check every record against its hash and its predecessor, and the chain head (``length`` records,
    the last one's hash ``head``; None when the head node is gone) against the records.

    ``noted_head`` is a head hash kept outside the graph earlier: some record must still have it, or the
    chain was rewritten whole (which hashes alone cannot show to someone who can write the database)."""
    problems: list[ChainProblem] = []
    by_seq: dict[int, list[dict[str, Any]]] = {}
    for s in stored:
        seq = s.properties.get("seq")
        by_seq.setdefault(seq if isinstance(seq, int) else -1, []).append(s.properties)
    if length is None:
        problems.append(ChainProblem(record=None, kind="head", detail=f"the head of chain {chain!r} is missing"))
    last = max([length or 0, *[k for k in by_seq if k > 0]])
    hashes: dict[int, str] = {}
    for seq in range(1, last + 1):
        rows = by_seq.get(seq, [])
        if not rows:
            problems.append(ChainProblem(record=seq, kind="removed",
                                         detail=f"record {seq} is missing from the chain"))
            continue
        if len(rows) > 1:
            problems.append(ChainProblem(record=seq, kind="changed",
                                         detail=f"{len(rows)} records claim position {seq}"))
        problems += _check(seq, rows[0], chain)
        hashes[seq] = rows[0].get("hash")
    for seq, rows in sorted(by_seq.items()):
        if seq <= 0 or seq > last:
            problems += [ChainProblem(record=None, kind="reordered",
                                      detail=f"a record has position {p.get('seq')!r}, outside 1..{last}")
                         for p in rows]
    for seq in range(2, last + 1):
        if seq in hashes and seq - 1 in hashes and not _named(problems, seq - 1) and not _named(problems, seq):
            body = _body(by_seq[seq][0])
            if body is not None and body.get("previous_hash") != hashes[seq - 1]:
                problems.append(ChainProblem(
                    record=seq - 1, kind="changed",
                    detail=f"record {seq - 1}'s hash is not the one record {seq} was chained to: record {seq - 1} "
                           "was changed and re-hashed"))
    if length is not None and last in hashes and head != hashes[last] and not _named(problems, last):
        problems.append(ChainProblem(record=last, kind="head",
                                     detail=f"the chain head names hash {head}, record {last} has {hashes[last]}"))
    if noted_head and noted_head not in hashes.values():
        problems.append(ChainProblem(record=None, kind="head",
                                     detail=f"no record has the noted head hash {noted_head}: the chain was "
                                            "rewritten or cut back since it was noted"))
    return ChainCheck(chain=chain, ok=not problems, records=len(stored), length=last, head=head,
                      problems=tuple(problems))


def _named(problems: list[ChainProblem], seq: int) -> bool:
    return any(p.record == seq for p in problems)


def _body(props: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        body = json.loads(props.get("content") or "")
    except (TypeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _check(seq: int, props: Mapping[str, Any], chain: str) -> list[ChainProblem]:
    content = props.get("content")
    if not isinstance(content, str) or content_hash(content) != props.get("hash"):
        return [ChainProblem(record=seq, kind="changed", detail=f"record {seq}'s content does not match its hash")]
    body = _body(props)
    if body is None or canonical(body) != content:
        return [ChainProblem(record=seq, kind="changed", detail=f"record {seq}'s content is not a canonical record")]
    if body.get("seq") != seq:
        return [ChainProblem(record=seq, kind="reordered",
                        detail=f"the record at position {seq} was recorded as record {body.get('seq')}")]
    if body.get("chain") != chain:
        return [ChainProblem(record=seq, kind="changed",
                             detail=f"record {seq} was recorded in chain {body.get('chain')!r}")]
    derived = index_fields(body)
    changed = sorted(k for k, v in derived.items() if props.get(k) != v)
    extra = sorted(set(props) - set(derived) - {"content", "hash", "uid"})
    if changed or extra:
        return [ChainProblem(record=seq, kind="changed",
                        detail=f"record {seq}'s properties differ from what was recorded: "
                               f"{', '.join(changed + extra)}")]
    return []


# --------------------------------------------------------------------------- recheck


class Recheck(_Frozen):
    """Whether a recorded verdict stands against today's rule data, and what changed."""

    record: int
    instrument: str
    originating_then: bool
    originating_now: bool | None
    stands: bool
    rule_data_unchanged: bool
    changes: tuple[str, ...]


def recheck(record: int, body: Mapping[str, Any], verdict_now: Mapping[str, Any] | None,
            rule_data_now: Mapping[str, Any] | None, no_verdict_reason: str | None) -> Recheck:
    """Compare the recorded verdict and rule data with today's (``verdict_now`` None: the instrument gives
    no verdict today, for ``no_verdict_reason``)."""
    then, data_then = body["verdict"], body["rule_data"]
    changes: list[str] = []
    if verdict_now is None:
        changes.append(f"{then['instrument']} gives no verdict today: {no_verdict_reason}")
    else:
        for field, label in (("originating", "originating"), ("rule", "rule"), ("passed_by", "met by"),
                             ("psr_uid", "PSR"), ("rule_status", "rule status")):
            if then.get(field) != verdict_now.get(field):
                changes.append(f"{label}: {then.get(field)!r} then, {verdict_now.get(field)!r} now")
        if then["consignment"]["ok"] != verdict_now["consignment"]["ok"]:
            changes.append(f"direct consignment: {verdict_now['consignment']['reason']}")
        offered_then = [o["name"] for o in then["proof"]["options"]]
        offered_now = [o["name"] for o in verdict_now["proof"]["options"]]
        if offered_then != offered_now:
            changes.append(f"proofs offered: {', '.join(offered_then) or 'none'} then, "
                           f"{', '.join(offered_now) or 'none'} now")
    same_data = rule_data_now is not None and canonical(rule_data_now) == canonical(data_then)
    if rule_data_now is not None and not same_data:
        changes += _rule_data_changes(data_then, rule_data_now)
    now = verdict_now["originating"] if verdict_now is not None else None
    return Recheck(record=record, instrument=then["instrument"], originating_then=then["originating"],
                   originating_now=now, stands=now == then["originating"], rule_data_unchanged=same_data,
                   changes=tuple(changes))


def _rule_data_changes(then: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    out = []
    chain_then = {i["code"]: i for i in then.get("instruments", [])}
    chain_now = {i["code"]: i for i in now.get("instruments", [])}
    for code in sorted(chain_then.keys() | chain_now.keys()):
        a, b = chain_then.get(code), chain_now.get(code)
        if a is None or b is None:
            out.append(f"instrument {code} {'added to' if a is None else 'removed from'} the amendment chain")
            continue
        for field in sorted(a.keys() | b.keys()):
            if field == "origin_terms" and isinstance(a.get(field), dict) and isinstance(b.get(field), dict):
                out += [f"{code} origin terms {key.replace('_', ' ')} changed: {_short(a[field].get(key))} then, "
                        f"{_short(b[field].get(key))} now" for key in sorted(a[field].keys() | b[field].keys())
                        if a[field].get(key) != b[field].get(key)]
            elif a.get(field) != b.get(field):
                out.append(f"{code} {field.replace('_', ' ')} changed: {_short(a.get(field))} then, "
                           f"{_short(b.get(field))} now")
    psrs_then = {p["uid"]: p for p in then.get("psrs", [])}
    psrs_now = {p["uid"]: p for p in now.get("psrs", [])}
    for uid in sorted(psrs_then.keys() | psrs_now.keys()):
        a, b = psrs_then.get(uid), psrs_now.get(uid)
        if a is None or b is None:
            out.append(f"PSR {uid} {'is new' if a is None else 'is no longer in the graph'}")
        elif a != b:
            fields = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            out.append(f"PSR {uid} changed ({', '.join(fields)}): {a.get('rule')!r} then, {b.get('rule')!r} now")
    facts_then = {canonical(f) for f in then.get("facts", [])}
    facts_now = {canonical(f) for f in now.get("facts", [])}
    out += [f"fact no longer used: {_fact(f)}" for f in sorted(facts_then - facts_now)]
    out += [f"fact used now: {_fact(f)}" for f in sorted(facts_now - facts_then)]
    return out


def _fact(text: str) -> str:
    fact = json.loads(text)
    key = ", ".join(f"{k}={v}" for k, v in sorted(fact["key"].items()))
    return f"{fact['kind']} ({key}){': ' + fact['summary'] if fact.get('summary') else ''}"


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else canonical(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
