"""HS version lineage: where a code of one edition goes in another, walking CORRELATES_TO."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from graph import queries
from graph.cache import cached_answer, graph_view
from graph.errors import NotFound, UnknownHsCode, UnknownHsVersion
from graph.store import Store
from engine.lineage import Lineage, LineagePath, Link, resolve_lineage, splitting_kinds
from engine.models import CodeMapping, TraceFact


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


def _direction(from_version: str, to_version: str, versions: tuple[str, ...]) -> str:
    """``same``, ``forward`` (to a newer edition) or ``backward``; an unknown target edition is the error."""
    if to_version not in versions:
        raise UnknownHsVersion(f"unknown HS version {to_version!r}; known: {', '.join(versions)}", "to")
    if from_version == to_version:
        return "same"
    return "forward" if versions.index(to_version) > versions.index(from_version) else "backward"


def lineage_of(code: str, from_version: str, to_version: str, versions: tuple[str, ...],
               forward_rows: list[dict], backward_rows: list[dict]) -> Lineage:
    """The lineage from the CORRELATES_TO paths read both ways (only the direction the editions'
    order gives is used); the code itself is checked by the caller."""
    direction = _direction(from_version, to_version, versions)
    if direction == "same":
        return resolve_lineage(code, from_version, to_version, "same", [])
    forward = direction == "forward"
    rows = forward_rows if forward else backward_rows
    # Validated: for these small models pydantic-core's validation is faster than model_construct's
    # Python (1.8 against 3.3 us a path, 1.4 against 2.2 us a link).
    paths = [LineagePath(target=r["target"], codes=tuple(r["codes"]), links=_links(r["codes"], r["links"], forward))
             for r in rows]
    return resolve_lineage(code, from_version, to_version, "forward" if forward else "backward", paths)


def _links(codes: list[str], links: list[dict], forward: bool) -> tuple[Link, ...]:
    """A path's CORRELATES_TO links; the statements leave out their ends, which are the path's
    consecutive codes (older edition first when read forward, newer first when read backward)."""
    return tuple(Link(from_uid=codes[n] if forward else codes[n + 1], to_uid=codes[n + 1] if forward else codes[n],
                      kind=link["kind"], partial=bool(link["partial"]), source=link["source"])
                 for n, link in enumerate(links))


Translation = tuple[str, str, str]
"""A lineage question: (code, from edition, to edition)."""


class CodeLink(BaseModel):
    """What an evaluation needs of one lineage: the engine's mapping (None: no correlation) and the
    CORRELATES_TO links walked, as trace facts."""

    model_config = ConfigDict(frozen=True)

    mapping: CodeMapping | None
    facts: tuple[TraceFact, ...] = ()


def code_link_of(code: str, from_version: str, to_version: str, versions: tuple[str, ...],
                 forward_rows: list[dict], backward_rows: list[dict]) -> CodeLink:
    """The :class:`CodeLink` from the paths read both ways, built straight from the rows: the same
    targets, ambiguity, paths and links as :func:`lineage_of`, without its models (a batch's first
    ask builds tens of thousands of links)."""
    direction = _direction(from_version, to_version, versions)
    if direction == "same":
        return CodeLink(mapping=CodeMapping(code=code, from_version=from_version, to_version=to_version,
                                            targets=(code,)))
    forward = direction == "forward"
    rows = sorted(forward_rows if forward else backward_rows, key=lambda r: (r["target"], tuple(r["codes"])))
    if not rows:
        return CodeLink(mapping=None)
    targets = tuple(sorted({r["target"] for r in rows}))
    kinds = {link["kind"] for r in rows for link in r["links"]}
    ambiguous = len(targets) > 1 or bool(splitting_kinds("forward" if forward else "backward", kinds))
    facts, walked = [], set()
    for r in rows:
        codes = r["codes"]
        for n, link in enumerate(r["links"]):
            a, b = (codes[n], codes[n + 1]) if forward else (codes[n + 1], codes[n])
            if (a, b) not in walked:  # paths through an n:n region share links: each is one fact
                walked.add((a, b))
                facts.append(TraceFact(kind="CorrelatesTo", key={"from": a, "to": b},
                                       summary=f"{a} -> {b} ({link['kind']})"))
    mapping = CodeMapping(code=code, from_version=from_version, to_version=to_version, targets=targets,
                          ambiguous=ambiguous, path=tuple(" -> ".join(r["codes"]) for r in rows))
    return CodeLink(mapping=mapping, facts=tuple(facts))


def _answered(store: Store, questions: Iterable[Translation], kind: str, sourced: bool,
              build: Callable[..., Any]) -> dict[Translation, Any]:
    """Every question's answer from the cache under ``kind``; those not cached are read in one
    statement (``LINEAGES_OF_CODES``, which also answers the HS editions and the code's own node; a
    few run at once for a big batch, ``Store.split``) and built with ``build``. An unknown code or
    edition is the error, not raised."""
    view = graph_view(store)
    out: dict[Translation, Any] = {}
    missing: list[Translation] = []
    for question in dict.fromkeys(questions):
        found = view.peek((kind, *question))
        if found is None:
            missing.append(question)
        else:
            out[question] = found
    if missing:
        asked = [{"key": n, "uid": hs_uid(version, code), "to_version": target}
                 for n, (code, version, target) in enumerate(missing)]
        rows = view.read_parts(queries.LINEAGES_OF_CODES, [{"sourced": sourced, "questions": part}
                                                           for part in view.split(asked)])
        listed = next(row["versions"] for row in rows if row["versions"] is not None)  # on the first question's row
        versions = view.answer(("hs_versions",), lambda: versions_in_order(listed))
        for row in rows:
            code, version, target = question = missing[row["key"]]
            node = view.answer(("hs_code", code, version), lambda row=row: code_properties(row["hs_code"]))
            try:
                known_code_check(versions, node, code, version)
                answer = build(code, version, target, versions, row["forward"], row["backward"])
            except NotFound as exc:
                out[question] = exc
                continue
            out[question] = view.answer((kind, *question), lambda answer=answer: answer)
    return out


def lineages_of(store: Store, questions: Iterable[Translation]) -> dict[Translation, Lineage | NotFound]:
    """The lineage of every (code, from, to), with its links' sources, from the cache at the view's
    revision; the questions not cached yet are read in one statement."""
    return _answered(store, questions, "lineage", True, lineage_of)


def code_links_of(store: Store, questions: Iterable[Translation]) -> dict[Translation, CodeLink | NotFound]:
    """The :class:`CodeLink` of every (code, from, to), for the evaluation's code mappings. The links'
    sources are left out of the statement (a third of the bytes a batch's lineage reads): a trace names
    the links, not their sources."""
    return _answered(store, questions, "code_link", False, code_link_of)


def code_link(store: Store, code: str, from_version: str, to_version: str) -> CodeLink:
    """How ``code`` maps from ``from_version`` into ``to_version`` for an evaluation (one statement when
    not cached)."""
    answer = code_links_of(store, [(code, from_version, to_version)])[(code, from_version, to_version)]
    if isinstance(answer, Exception):
        raise answer
    return answer


def lineage(store: Store, code: str, from_version: str, to_version: str) -> Lineage:
    """Where ``code`` of ``from_version`` goes in ``to_version`` (one statement when not cached)."""
    answer = lineages_of(store, [(code, from_version, to_version)])[(code, from_version, to_version)]
    if isinstance(answer, Exception):
        raise answer
    return answer
