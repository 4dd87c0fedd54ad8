"""HS version lineage: where a code of one edition goes in another, walking CORRELATES_TO."""

from __future__ import annotations

from graph import queries
from graph.cache import cached_answer
from graph.errors import UnknownHsCode, UnknownHsVersion
from graph.store import Store
from engine.lineage import Lineage, LineagePath, Link, resolve_lineage


def hs_uid(version: str, code: str) -> str:
    """The key of an ``HSCode`` node: ``HS2022:854141``."""
    return f"{version}:{code}"


@cached_answer("hs_versions")
def _hs_versions(store: Store) -> tuple[str, ...]:
    return tuple(row["code"] for row in store.read(queries.HS_VERSIONS))


def hs_versions(store: Store) -> list[str]:
    """Editions oldest first (by their in-force date)."""
    return list(_hs_versions(store))


@cached_answer("hs_code")
def _hs_code(store: Store, code: str, version: str) -> tuple[tuple[str, object], ...] | None:
    rows = store.read(queries.HS_CODE_EXISTS, uid=hs_uid(version, code))
    return tuple(rows[0].items()) if rows else None


def check_code(store: Store, code: str, version: str, field: str = "hs") -> dict:
    """The code's node properties, or a clear error naming what is unknown."""
    versions = _hs_versions(store)
    if version not in versions:
        raise UnknownHsVersion(f"unknown HS version {version!r}; known: {', '.join(versions)}", "hs_version")
    found = _hs_code(store, code, version)
    if found is None:
        raise UnknownHsCode(f"HS code {code} is not in {version} in the graph", field)
    return dict(found)


@cached_answer("lineage")
def lineage(store: Store, code: str, from_version: str, to_version: str) -> Lineage:
    check_code(store, code, from_version)
    versions = _hs_versions(store)
    if to_version not in versions:
        raise UnknownHsVersion(f"unknown HS version {to_version!r}; known: {', '.join(versions)}", "to")
    if from_version == to_version:
        return resolve_lineage(code, from_version, to_version, "same", [])
    forward = versions.index(to_version) > versions.index(from_version)
    query = queries.CODES_DESCENDED_FROM if forward else queries.CODES_ANCESTORS_OF
    rows = store.read(query, uid=hs_uid(from_version, code), to_version=to_version)
    paths = [LineagePath(target=r["target"], codes=tuple(r["codes"]),
                         links=tuple(Link(**link) for link in r["links"])) for r in rows]
    return resolve_lineage(code, from_version, to_version, "forward" if forward else "backward", paths)
