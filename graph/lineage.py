"""HS version lineage: where a code of one edition goes in another, walking CORRELATES_TO."""

from __future__ import annotations

from collections.abc import Iterable

from graph import queries
from graph.cache import cached_answer, graph_view
from graph.errors import NotFound, UnknownHsCode, UnknownHsVersion
from graph.store import Store
from engine.lineage import Lineage, LineagePath, Link, resolve_lineage


def hs_uid(version: str, code: str) -> str:
    """The key of an ``HSCode`` node: ``HS2022:854141``."""
    return f"{version}:{code}"


def versions_in_order(rows: list[dict]) -> tuple[str, ...]:
    """HS edition codes oldest first, by their in-force date (editions without one last)."""
    return tuple(r["code"] for r in sorted(rows, key=lambda r: (r["in_force_from"] is None, r["in_force_from"] or "")))


@cached_answer("hs_versions")
def _hs_versions(store: Store) -> tuple[str, ...]:
    return versions_in_order(store.read(queries.HS_VERSIONS))


def hs_versions(store: Store) -> list[str]:
    """Editions oldest first (by their in-force date)."""
    return list(_hs_versions(store))


def code_properties(node: dict | None) -> tuple[tuple[str, object], ...] | None:
    """An ``HSCode``'s properties as the ``hs_code`` answer keeps them (None: not in the graph)."""
    return None if node is None else (("code", node["code"]), ("level", node["level"]),
                                      ("description", node["description"]))


@cached_answer("hs_code")
def _hs_code(store: Store, code: str, version: str) -> tuple[tuple[str, object], ...] | None:
    rows = store.read(queries.HS_CODE_EXISTS, uid=hs_uid(version, code))
    return code_properties(rows[0] if rows else None)


def known_code_check(versions: tuple[str, ...], found: tuple | None, code: str, version: str,
                     field: str = "hs") -> dict:
    """The code's node properties, or a clear error naming what is unknown."""
    if version not in versions:
        raise UnknownHsVersion(f"unknown HS version {version!r}; known: {', '.join(versions)}", "hs_version")
    if found is None:
        raise UnknownHsCode(f"HS code {code} is not in {version} in the graph", field)
    return dict(found)


def check_code(store: Store, code: str, version: str, field: str = "hs") -> dict:
    """The code's node properties, or a clear error naming what is unknown."""
    versions = _hs_versions(store)
    if version not in versions:
        return known_code_check(versions, None, code, version, field)
    return known_code_check(versions, _hs_code(store, code, version), code, version, field)


def lineage_of(code: str, from_version: str, to_version: str, versions: tuple[str, ...],
               forward_rows: list[dict], backward_rows: list[dict]) -> Lineage:
    """The lineage from the CORRELATES_TO paths read both ways (only the direction the editions'
    order gives is used); the code itself is checked by the caller."""
    if to_version not in versions:
        raise UnknownHsVersion(f"unknown HS version {to_version!r}; known: {', '.join(versions)}", "to")
    if from_version == to_version:
        return resolve_lineage(code, from_version, to_version, "same", [])
    forward = versions.index(to_version) > versions.index(from_version)
    rows = forward_rows if forward else backward_rows
    # Built without validation: a batch's lineage has tens of thousands of links, every value read from
    # properties the loaders wrote checked (kind and source text, partial a boolean).
    paths = [LineagePath.model_construct(target=r["target"], codes=tuple(r["codes"]),
                                         links=_links(r["codes"], r["links"], forward)) for r in rows]
    return resolve_lineage(code, from_version, to_version, "forward" if forward else "backward", paths)


def _links(codes: list[str], links: list[dict], forward: bool) -> tuple[Link, ...]:
    """A path's CORRELATES_TO links; the statements leave out their ends, which are the path's
    consecutive codes (older edition first when read forward, newer first when read backward)."""
    return tuple(Link.model_construct(from_uid=codes[n] if forward else codes[n + 1],
                                      to_uid=codes[n + 1] if forward else codes[n], kind=link["kind"],
                                      partial=bool(link["partial"]), source=link["source"])
                 for n, link in enumerate(links))


Translation = tuple[str, str, str]
"""A lineage question: (code, from edition, to edition)."""


def lineages_of(store: Store, questions: Iterable[Translation], *,
                sourced: bool = True) -> dict[Translation, Lineage | NotFound]:
    """The lineage of every (code, from, to), from the cache at the view's revision; the questions
    not cached yet are read in one statement (``LINEAGES_OF_CODES``), which also answers the HS
    editions and the code's own node. An unknown code or edition is the error, not raised.

    ``sourced=False`` leaves the links' sources out (a third of the bytes a batch's lineage reads):
    for the evaluation's code mappings, whose traces name the links and not their sources; the
    lineage a user asks for keeps them. A sourced answer serves both."""
    view = graph_view(store)
    out: dict[Translation, Lineage | NotFound] = {}
    missing: list[Translation] = []
    for question in dict.fromkeys(questions):
        found = view.peek(("lineage", *question))
        if found is None and not sourced:
            found = view.peek(("lineage_unsourced", *question))
        if found is None:
            missing.append(question)
        else:
            out[question] = found
    if missing:
        rows = view.read(queries.LINEAGES_OF_CODES, sourced=sourced, questions=[
            {"key": n, "uid": hs_uid(version, code), "to_version": target}
            for n, (code, version, target) in enumerate(missing)])
        listed = next(row["versions"] for row in rows if row["versions"] is not None)  # on the first question's row
        versions = view.answer(("hs_versions",), lambda: versions_in_order(listed))
        kind = "lineage" if sourced else "lineage_unsourced"
        for row in rows:
            code, version, target = question = missing[row["key"]]
            node = view.answer(("hs_code", code, version), lambda row=row: code_properties(row["hs_code"]))
            try:
                known_code_check(versions, node, code, version)
                answer = lineage_of(code, version, target, versions, row["forward"], row["backward"])
            except NotFound as exc:
                out[question] = exc
                continue
            out[question] = view.answer((kind, *question), lambda answer=answer: answer)
    return out


def lineage(store: Store, code: str, from_version: str, to_version: str, *, sourced: bool = True) -> Lineage:
    """Where ``code`` of ``from_version`` goes in ``to_version`` (one statement when not cached)."""
    answer = lineages_of(store, [(code, from_version, to_version)], sourced=sourced)[(code, from_version, to_version)]
    if isinstance(answer, Exception):
        raise answer
    return answer
