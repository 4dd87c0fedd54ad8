"""HS lineage over CORRELATES_TO, on the real HS2017 -> HS2022 -> HS2028 seed links."""

from __future__ import annotations

import json

import pytest

from graph.errors import UnknownHsCode, UnknownHsVersion
from graph.lineage import lineage
from graph.store import Store


def test_split_is_ambiguous_and_names_every_target(seeded: Store) -> None:
    answer = lineage(seeded, "854140", "HS2017", "HS2022")
    # the full UNSD table also links it to the new e-waste heading 8549, in one large n:n group
    assert answer.targets == ("854141", "854142", "854143", "854149",
                              "854921", "854929", "854931", "854939", "854991", "854999")
    assert answer.ambiguous and "n:n" in answer.reason
    assert all(path.links[0].kind == "n:n" and path.links[0].partial for path in answer.paths)


def test_renumbering_is_not_ambiguous(seeded: Store) -> None:
    answer = lineage(seeded, "300220", "HS2017", "HS2022")
    assert answer.targets == ("300241",) and not answer.ambiguous
    assert answer.reason == "renumbered to 300241"


def test_merge_walked_backwards_is_ambiguous(seeded: Store) -> None:
    answer = lineage(seeded, "620120", "HS2022", "HS2017")
    assert answer.direction == "backward"
    assert answer.targets == ("620111", "620191") and answer.ambiguous


def test_code_in_an_n_to_n_group_is_ambiguous(seeded: Store) -> None:
    answer = lineage(seeded, "290960", "HS2017", "HS2022")
    assert answer.ambiguous and "n:n" in answer.reason


def test_lineage_crosses_several_editions_both_ways(seeded: Store) -> None:
    forward = lineage(seeded, "300220", "HS2017", "HS2028")
    assert forward.targets == ("3007",)
    assert forward.paths[0].codes == ("HS2017:300220", "HS2022:300241", "HS2028:3007")
    back = lineage(seeded, "3007", "HS2028", "HS2017")
    assert back.targets == ("300220",) and back.paths[0].codes[-1] == "HS2017:300220"


def test_same_edition_and_unknown_inputs(seeded: Store) -> None:
    assert lineage(seeded, "854140", "HS2017", "HS2017").targets == ("854140",)
    with pytest.raises(UnknownHsVersion, match="HS1999"):
        lineage(seeded, "854140", "HS1999", "HS2022")
    with pytest.raises(UnknownHsCode, match="999999 is not in HS2017"):
        lineage(seeded, "999999", "HS2017", "HS2022")


def test_cli_lineage_json(seeded: Store, cli) -> None:
    run = cli("lineage", "--hs", "854140", "--from", "HS2017", "--to", "HS2022", "--json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert {"code", "from", "to", "targets", "ambiguous", "paths"} <= set(answer)
    assert answer["from"] == "HS2017" and answer["ambiguous"] is True and len(answer["targets"]) == 10


def test_an_evaluation_code_link_is_the_lineage_it_was_built_without(seeded) -> None:
    """``code_links_of`` builds the engine's mapping and trace facts straight from the statement's rows
    (no sources, no Lineage models): the same targets, ambiguity, paths and links as the lineage a user asks for,
    each link once (paths through an n:n region share links)."""
    from graph.cache import uncached
    from graph.errors import NotFound
    from graph.lineage import code_links_of, lineages_of

    codes = [("854140", "HS2017"), ("854141", "HS2022"), ("610910", "HS2022"), ("620120", "HS2017"),
             ("847130", "HS2012"), ("999999", "HS2022"), ("851712", "HS2017"), ("030389", "HS2017")]
    questions = [(c, v, t) for c, v in codes for t in ("HS2012", "HS2017", "HS2022", "HS1999")]
    links, lineages = code_links_of(uncached(seeded), questions), lineages_of(uncached(seeded), questions)
    for question in questions:
        link, full = links[question], lineages[question]
        if isinstance(full, NotFound):
            assert type(link) is type(full) and str(link) == str(full), question
            continue
        if not full.targets:
            assert link.mapping is None and link.facts == (), question
            continue
        m = link.mapping
        assert (m.targets, m.ambiguous) == (full.targets, full.ambiguous), question
        assert m.path == tuple(" -> ".join(p.codes) for p in full.paths), question
        walked = [(k.from_uid, k.to_uid, f"{k.from_uid} -> {k.to_uid} ({k.kind})") for p in full.paths for k in p.links]
        assert [(f.key["from"], f.key["to"], f.summary) for f in link.facts] == list(dict.fromkeys(walked)), question
    assert any(links[q].mapping and links[q].mapping.ambiguous for q in questions if not isinstance(links[q], NotFound))
