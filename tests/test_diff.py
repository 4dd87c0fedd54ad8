"""Change impact between two dates: instruments, rules, proofs and pending texts, with reasons."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from engine.models import Material, Product, Shipment
from graph.diff import diff_dates
from graph.origin import read_bom
from graph.store import Store

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tshirt-my-au.yaml"
D = date.fromisoformat


def _product(hs: str, *bom: Material) -> Product:
    return Product(sku=f"P-{hs}", hs=hs, hs_version="HS2022", producer="MY", ex_works=Decimal(90),
                   fob=Decimal(100), currency="USD", bom=bom)


def _material(hs: str, value: str) -> Material:
    return Material(id=f"m-{hs}", hs=hs, hs_version="HS2022", quantity=Decimal(1), unit="pc",
                    value=Decimal(value), currency="USD", origin="CN")


def test_aanzfta_across_the_second_protocol(seeded: Store) -> None:
    document = read_bom(seeded, EXAMPLE)
    diff = diff_dates(seeded, document.product, document.shipment, D("2025-04-20"), D("2025-04-21"))
    change = next(c for c in diff.changes if c.kind == "instrument" and c.agreement == "AANZFTA")
    assert (change.before, change.after) == ("AANZFTA", "AANZFTA-P2")
    assert any("2025-04-21" in line for line in change.why)
    pending = next(c for c in diff.changes if c.kind == "pending" and "AANZFTA-P2" in c.summary)
    assert pending.before == "pending" and pending.after is None


def test_psr_schedule_moving_to_a_new_hs_edition(seeded: Store) -> None:
    coat = _product("610120", _material("600622", "30"))
    shipment = Shipment(exporter="MY", importer="AU", date=D("2024-02-01"))
    change = next(c for c in diff_dates(seeded, coat, shipment, D("2024-02-01"), D("2024-03-05")).changes
                  if c.kind == "rule" and c.agreement == "AANZFTA")
    assert "PSR schedule HS2017 -> HS2022" in change.summary
    assert change.before.startswith("RVC(40) & SP(") and change.after == "RVC(40) | CTH"


def test_proof_window_closing_and_opening(seeded: Store) -> None:
    laptop = _product("847130", _material("847150", "30"))
    shipment = Shipment(exporter="MY", importer="SG", date=D("2023-12-01"))
    change = next(c for c in diff_dates(seeded, laptop, shipment, D("2023-12-01"), D("2024-01-05")).changes
                  if c.kind == "proof" and c.agreement == "ATIGA")
    assert "+Form D (paper, ASEAN Single Window failure)" in change.summary
    assert "-Form D (new format, paper)" in change.summary


def test_no_change_between_two_quiet_dates(seeded: Store) -> None:
    document = read_bom(seeded, EXAMPLE)
    diff = diff_dates(seeded, document.product, document.shipment, D("2025-06-01"), D("2025-06-02"))
    assert diff.changes == ()


def test_cli_diff_json_for_several_boms(seeded: Store, cli) -> None:
    run = cli("diff", "--date-a", "2025-04-20", "--date-b", "2025-04-25", str(EXAMPLE),
              str(EXAMPLE.with_name("tshirt-bom.csv")), "--exporter", "MY", "--importer", "AU", "--json")
    assert run.returncode == 0, run.stderr
    diffs = json.loads(run.stdout)["diffs"]
    assert len(diffs) == 2
    for diff in diffs:
        assert any(c["kind"] == "instrument" and c["after"] == "AANZFTA-P2" for c in diff["changes"])
    text = cli("diff", "--date-a", "2025-04-20", "--date-b", "2025-04-25", str(EXAMPLE))
    assert text.returncode == 0 and "AANZFTA -> AANZFTA-P2" in text.stdout and "because" in text.stdout


def test_duty_changes_when_an_overlay_suspension_ends(seeded: Store) -> None:
    """A Chinese T-shirt into the US: 24 points of the reciprocal tariff are suspended until 2026-11-10."""
    shirt = Product(sku="CN-TEE", hs="610910", hs_version="HS2022", producer="CN", ex_works=Decimal(9),
                    fob=Decimal(10), currency="USD", bom=(_material("600622", "4"),))
    shipment = Shipment(exporter="CN", importer="US", date=D("2026-11-10"))
    diff = diff_dates(seeded, shirt, shipment, D("2026-11-10"), D("2026-11-11"))
    mfn = next(c for c in diff.changes if c.kind == "duty" and c.agreement == "MFN")
    assert float(mfn.after.rstrip("%")) - float(mfn.before.rstrip("%")) == 24
    assert any("US-IEEPA-RECIPROCAL" in line for line in mfn.why)
    assert diff.duties_a and diff.duties_b
