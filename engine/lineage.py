"""Where an HS code goes between editions, and whether that answer is ambiguous.

The graph walks CORRELATES_TO links (older -> newer edition) forwards or backwards and returns
every path. A walk is ambiguous when the goods of one code end up in more than one code: a split
(1:n) or an n:n group going forwards, a merge (n:1) or an n:n group going backwards (the newer
code came from several older ones). A renumbering (1:1 to another code) is not ambiguous.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_SPLITTING = {"forward": {"1:n", "n:n"}, "backward": {"n:1", "n:n"}}


class Link(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_uid: str
    to_uid: str
    kind: str
    partial: bool = False
    source: str | None = None


class LineagePath(BaseModel):
    model_config = ConfigDict(frozen=True)

    target: str
    codes: tuple[str, ...]
    links: tuple[Link, ...]


class Lineage(BaseModel):
    """Serialised with ``from`` / ``to`` (``model_dump(by_alias=True)``), the names users pass."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    code: str
    from_version: str = Field(serialization_alias="from")
    to_version: str = Field(serialization_alias="to")
    direction: Literal["forward", "backward", "same"]
    targets: tuple[str, ...]
    ambiguous: bool
    reason: str
    paths: tuple[LineagePath, ...]


def splitting_kinds(direction: Literal["forward", "backward"], kinds: set[str]) -> list[str]:
    """The link kinds that make a walk in ``direction`` ambiguous even with one target, sorted."""
    return sorted(kinds & _SPLITTING[direction])


def resolve_lineage(code: str, from_version: str, to_version: str,
                    direction: Literal["forward", "backward", "same"],
                    paths: list[LineagePath]) -> Lineage:
    if direction == "same":
        return Lineage(code=code, from_version=from_version, to_version=to_version, direction=direction,
                       targets=(code,), ambiguous=False, reason="same edition", paths=())
    paths = sorted(paths, key=lambda p: (p.target, p.codes))
    targets = tuple(sorted({p.target for p in paths}))
    splitting = splitting_kinds(direction, {link.kind for p in paths for link in p.links})
    if not targets:
        reason = f"no correlation from {from_version} {code} to {to_version} in the graph"
    elif len(targets) > 1:
        reason = f"{code} is shared among {', '.join(targets)} ({', '.join(splitting) or 'several links'})"
    elif splitting:
        reason = f"{code} sits in a {', '.join(splitting)} group whose other codes share {targets[0]}"
    elif any(link.kind != "1:1" for p in paths for link in p.links):
        kinds = sorted({link.kind for p in paths for link in p.links if link.kind != "1:1"})
        reason = f"{code} maps to {targets[0]} together with other codes ({', '.join(kinds)})"
    elif targets[0] == code:
        reason = "unchanged"
    else:
        reason = f"renumbered to {targets[0]}"
    return Lineage(code=code, from_version=from_version, to_version=to_version, direction=direction,
                   targets=targets, ambiguous=len(targets) > 1 or bool(splitting), reason=reason,
                   paths=tuple(paths))
