"""Tariff measures in the graph: the rows a load writes, and the measures that bear on one line.

A measure is a ``(:TariffMeasure)`` node (keyed by ``uid``) linked to its importer
(``IMPOSED_BY``), to the origins it names (``ON_GOODS_OF``) or leaves out (``NOT_ON_GOODS_OF``), to
the instrument of a preferential rate (``UNDER``) and, when its scope is a seeded HS code, to that
code (``COVERS``). Lookups match the ``scope`` property by prefix, so a full schedule with national
lines needs no HS node per line. Which measure wins and how they stack is decided by the pure
``engine.duty``.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from engine.duty import DutyQuery, DutyResult, Stage, Suspension, TariffMeasure, landed_duty
from graph import queries
from graph.cache import cached_answer
from graph.store import Store
from seeds.read import SeedSet


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def tariff_rows(seeds: SeedSet) -> list[tuple[str, list[dict[str, Any]]]]:
    """The writes of the tariff seeds, in dependency order (after countries, instruments, HS codes)."""
    codes = {(c.version, c.code) for c in seeds.codes}
    measures, origins, excluded, instruments, scopes = [], [], [], [], []
    for f in seeds.tariffs:
        for m in f.measures:
            s = m.suspended
            measures.append({"uid": m.id, "importer": f.importer, "props": {
                "kind": m.kind, "programme": m.programme, "importer": f.importer, "title": m.title,
                "scope": m.scope, "hs_version": m.hs_version, "partial": m.partial,
                "origins": list(m.origins), "origins_except": list(m.origins_except), "instrument": m.instrument,
                "rate": _dec(m.rate), "stacking": m.stacking_rule, "all_in": _dec(m.all_in),
                "staging": json.dumps([{"valid_from": st.valid_from.isoformat(), "rate": _dec(st.rate)}
                                       for st in m.staging]) if m.staging else None,
                "suspended_rate": _dec(s.rate) if s else None, "suspended_from": _iso(s.valid_from) if s else None,
                "suspended_until": _iso(s.valid_until) if s else None, "suspended_source": s.source if s else None,
                "exempt_if_originating": list(m.exempt_if_originating), "not_with": list(m.not_with),
                "exempts": list(m.exempts), "valid_from": _iso(m.valid_from), "valid_until": _iso(m.valid_until),
                "source": m.source, "note": m.note, "confidence": m.confidence}})
            origins += [{"uid": m.id, "country": c} for c in m.origins if c != "*"]
            excluded += [{"uid": m.id, "country": c} for c in m.origins_except]
            if m.instrument:
                instruments.append({"uid": m.id, "instrument": m.instrument})
            if (m.hs_version, m.scope) in codes:
                scopes.append({"uid": m.id, "hs_uid": f"{m.hs_version}:{m.scope}"})
    return [("MERGE_TARIFF_MEASURES", measures), ("MERGE_TARIFF_ORIGINS", origins),
            ("MERGE_TARIFF_EXCLUDED_ORIGINS", excluded), ("MERGE_TARIFF_INSTRUMENTS", instruments),
            ("MERGE_TARIFF_SCOPES", scopes)]


def _measure(node: dict[str, Any]) -> TariffMeasure:
    def d(key: str) -> Decimal | None:
        return Decimal(node[key]) if node.get(key) not in (None, "") else None

    suspended = None
    if node.get("suspended_rate") is not None:
        suspended = Suspension(rate=Decimal(node["suspended_rate"]), valid_from=node.get("suspended_from"),
                               valid_until=node.get("suspended_until"), source=node.get("suspended_source") or "")
    staging = tuple(Stage(valid_from=s["valid_from"], rate=Decimal(s["rate"]))
                    for s in json.loads(node["staging"])) if node.get("staging") else ()
    return TariffMeasure(
        uid=node["uid"], kind=node["kind"], programme=node["programme"], importer=node["importer"],
        scope=node["scope"], hs_version=node["hs_version"], title=node.get("title") or "",
        origins=tuple(node.get("origins") or ("*",)), origins_except=tuple(node.get("origins_except") or ()),
        instrument=node.get("instrument"), rate=d("rate"), staging=staging,
        stacking=node.get("stacking") or "base", all_in=d("all_in"), suspended=suspended,
        exempt_if_originating=tuple(node.get("exempt_if_originating") or ()),
        not_with=tuple(node.get("not_with") or ()), exempts=tuple(node.get("exempts") or ()),
        partial=bool(node.get("partial")), valid_from=node.get("valid_from"), valid_until=node.get("valid_until"),
        source=node.get("source") or "", note=node.get("note"), confidence=node.get("confidence"))


@cached_answer("tariff_measures")
def measures_for_line(store: Store, importer: str, hs: str, hs_version: str,
                      national_line: str | None = None) -> tuple[TariffMeasure, ...]:
    """Every measure of ``importer`` whose scope covers the line, or lies under it (any date), from the
    cache at the view's revision (a route comparison asks the same lines for every lane)."""
    line = national_line or hs
    prefixes = sorted({line[:n] for n in (2, 4, 6, 8, 10) if n <= len(line)} | {"*"})
    rows = store.read(queries.TARIFF_MEASURES_FOR_LINE, importer=importer, hs_version=hs_version,
                      prefixes=prefixes, line=line)
    return tuple(_measure(r["measure"]) for r in rows)


@cached_answer("amended_chain")
def amended_chain(store: Store, instrument: str) -> tuple[str, ...]:
    """The texts an instrument amends, nearest first (its preferential schedule may live there)."""
    return tuple(r["code"] for r in store.read(queries.INSTRUMENT_AND_AMENDED, instrument=instrument)
                 if r["code"] != instrument)


def duty_for(store: Store, query: DutyQuery, hs_version: str) -> DutyResult:
    """Look the line's measures up in the graph and stack them (``engine.duty.landed_duty``)."""
    if query.preference and not query.preference_chain:
        query = query.model_copy(update={"preference_chain": amended_chain(store, query.preference)})
    return landed_duty(measures_for_line(store, query.importer, query.hs, hs_version, query.national_line), query)
