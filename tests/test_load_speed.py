"""The seed load's shortcuts keep its guarantees: a reload of unchanged seeds writes nothing, a changed
file is written (and only the statements it changes run), any other write since the last load makes
every statement run again, and a failing load leaves the graph and its record of the last load as
they were. Timing is measured by ``benchmarks/load.py``, not here."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph import queries
from graph.cache import read_revision
from graph.load import correlation_kinds, count_graph, load_seeds, seed_rows, statement_hashes
from graph.schema import install_schema
from graph.store import Store
from seeds.read import read_seeds
from seeds.schema import CorrelationRow

PSR_UID = "AANZFTA:HS2017:600643:undated"


def _edit_psr_note(seeds: Path, note: str) -> None:
    path = seeds / "psr" / "AANZFTA.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["scope"] == "600643"
    rows[0]["note"] = note
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _rename_first_country(seeds: Path, suffix: str) -> str:
    path = seeds / "countries.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["name"] += suffix
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows[0]["code"]


def _country_name(store: Store, code: str) -> str:
    return store.read("MATCH (c:Country {code: $code}) RETURN c.name AS name", code=code)[0]["name"]


def _psr_note(store: Store) -> str | None:
    return store.read("MATCH (p:Psr {uid: $uid}) RETURN p.note AS note", uid=PSR_UID)[0]["note"]


def test_reload_of_unchanged_seeds_writes_nothing(seeded: Store, seed_copy: Path) -> None:
    seeds = read_seeds(seed_copy)
    load_seeds(seeded, seeds)
    revision, counts = read_revision(seeded), count_graph(seeded)

    again = load_seeds(seeded, seeds)

    assert set(again.unchanged) == set(again.written)
    assert read_revision(seeded) == revision, "a load with nothing to write commits no transaction"
    assert count_graph(seeded) == counts


def test_a_changed_seed_file_is_written_and_only_its_statements_run(seeded: Store, seed_copy: Path) -> None:
    original = read_seeds(seed_copy)
    load_seeds(seeded, original)
    counts = count_graph(seeded)
    _edit_psr_note(seed_copy, "edited by test_load_speed")
    try:
        changed = load_seeds(seeded, read_seeds(seed_copy))
        assert [name for name in changed.written if name not in changed.unchanged] == ["MERGE_PSRS"]
        assert _psr_note(seeded) == "edited by test_load_speed"
        assert count_graph(seeded) == counts
    finally:
        restored = load_seeds(seeded, original)
    assert "MERGE_PSRS" not in restored.unchanged
    assert _psr_note(seeded) != "edited by test_load_speed"


def test_any_other_write_since_the_last_load_makes_every_statement_run(seeded: Store, seed_copy: Path) -> None:
    seeds = read_seeds(seed_copy)
    load_seeds(seeded, seeds)
    seeded.write_tx(lambda tx: None)  # any managed write bumps the graph revision

    after = load_seeds(seeded, seeds)

    assert after.unchanged == ()
    assert load_seeds(seeded, seeds).unchanged == tuple(after.written)


def test_a_failing_load_leaves_the_graph_and_the_load_record_as_they_were(
        seeded: Store, seed_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = read_seeds(seed_copy)
    load_seeds(seeded, original)
    revision, counts, note = read_revision(seeded), count_graph(seeded), _psr_note(seeded)
    _edit_psr_note(seed_copy, "never committed")
    country = _rename_first_country(seed_copy, " (never committed)")
    name = _country_name(seeded, country)
    edited = read_seeds(seed_copy)
    statements = queries.all_queries()
    broken = {**statements, "MERGE_PSRS": statements["MERGE_PSRS"] + "\nRETURN row.no_such_thing.at_all("}
    monkeypatch.setattr(queries, "all_queries", lambda: broken)

    with pytest.raises(Exception):  # noqa: B017 - whatever the store raises for the broken statement
        load_seeds(seeded, edited)  # MERGE_COUNTRIES runs first, then MERGE_PSRS fails
    monkeypatch.undo()

    assert _country_name(seeded, country) == name
    assert read_revision(seeded) == revision
    assert count_graph(seeded) == counts
    assert _psr_note(seeded) == note
    assert set(load_seeds(seeded, original).unchanged) == set(dict(seed_rows(original))), \
        "the record of the last load is the committed one"


def test_statement_hashes_are_stable_across_reads(seed_copy: Path) -> None:
    statements = queries.all_queries()
    first = statement_hashes(seed_rows(read_seeds(seed_copy)), statements)
    assert statement_hashes(seed_rows(read_seeds(seed_copy)), statements) == first
    changed = {**statements, "MERGE_COUNTRIES": statements["MERGE_COUNTRIES"] + " "}
    differs = statement_hashes(seed_rows(read_seeds(seed_copy)), changed)
    assert [name for name in first if first[name] != differs[name]] == ["MERGE_COUNTRIES"], \
        "a changed statement runs again even when its rows did not change"


def test_statement_hashes_do_not_depend_on_the_process(seed_copy: Path) -> None:
    """A repeated ``origingraph load`` is another process: string hashing is randomised per process, so
    a row built by iterating a set would hash differently there and every load would write again."""
    script = ("import sys, json; from pathlib import Path; from graph import queries; "
              "from graph.load import seed_rows, statement_hashes; from seeds.read import read_seeds; "
              "print(json.dumps(statement_hashes(seed_rows(read_seeds(Path(sys.argv[1]))), queries.all_queries())))")
    runs = [subprocess.run([sys.executable, "-c", script, str(seed_copy)], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, cwd=Path(__file__).parent.parent).stdout
            for seed in ("1", "2")]
    assert json.loads(runs[0]) == json.loads(runs[1])


def test_install_schema_on_a_complete_graph_runs_no_ddl(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    install_schema(seeded)
    ran: list[object] = []
    real = seeded.schema_tx
    monkeypatch.setattr(seeded, "schema_tx", lambda work: (ran.append(work), real(work))[1])
    install_schema(seeded)
    assert ran == []


def _link(older: str, newer: str) -> CorrelationRow:
    return CorrelationRow(from_version="HS2017", from_code=older, to_version="HS2022", to_code=newer, source="t")


def test_correlation_kinds_follow_the_shape_of_each_group() -> None:
    links = [_link("010101", "010101"),  # 1:1
             _link("020202", "020203"), _link("020202", "020204"),  # 1:n
             _link("030301", "030300"), _link("030302", "030300"),  # n:1
             _link("040401", "040400"), _link("040402", "040400"), _link("040402", "040409"),  # n:n
             _link("010101", "010101")]  # a repeated link counts once
    kinds = correlation_kinds(links)
    assert kinds == {
        ("HS2017:010101", "HS2022:010101"): "1:1",
        ("HS2017:020202", "HS2022:020203"): "1:n", ("HS2017:020202", "HS2022:020204"): "1:n",
        ("HS2017:030301", "HS2022:030300"): "n:1", ("HS2017:030302", "HS2022:030300"): "n:1",
        ("HS2017:040401", "HS2022:040400"): "n:n", ("HS2017:040402", "HS2022:040400"): "n:n",
        ("HS2017:040402", "HS2022:040409"): "n:n",
    }
