"""Neo4j Browser scripts: the saved queries run on the store and draw what they promise."""

from __future__ import annotations

from graph import queries
from graph.store import Store


def test_membership_of_an_agreement_over_time(seeded: Store) -> None:
    rows = seeded.read(queries.BROWSE_AGREEMENT_MEMBERSHIP, agreement="AANZFTA")
    assert [r["i"]["code"] for r in rows] == ["AANZFTA", "AANZFTA-P2"]
    upgrade = {t["party"]: t for t in rows[1]["timeline"]}
    assert upgrade["MY"]["in_force_from"] == "2025-04-21" and upgrade["KH"]["in_force_from"] is None
    assert rows[1]["amendments"] and rows[1]["parties"]


def test_instruments_between_two_countries_on_a_date(seeded: Store) -> None:
    rows = {r["country"]: r for r in seeded.read(queries.BROWSE_INSTRUMENTS_BETWEEN, exporter="DE",
                                                  importer="JP", date="2024-01-01")}
    assert rows["DE"]["memberships"] and rows["DE"]["in_force"]
    assert rows["JP"]["in_force"]


def test_lineage_of_an_hs_code(seeded: Store) -> None:
    row = seeded.read(queries.BROWSE_HS_LINEAGE, uid="HS2022:300241")[0]
    assert row["earlier"] and row["later"] and row["hierarchy"]


def test_cli_prints_a_paste_ready_script(cli) -> None:
    run = cli("browser", "pair", "--exporter", "my", "--importer", "AU", "--date", "2025-04-25")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:3] == [':param exporter => "MY"', ':param importer => "AU"', ':param date => "2025-04-25"']
    assert "\n".join(lines[3:]) == queries.BROWSE_INSTRUMENTS_BETWEEN.strip()
