"""Origin verdicts with every fact taken from the graph: real seeds, the XFTA fixture, real files."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine.bom_input import BomError
from engine.models import Leg, Material, Processing, Product, Shipment, SupplierDeclaration
from graph import queries
from graph.origin import evaluate_shipment, read_bom, trace_params
from graph.store import Store

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tshirt-my-au.yaml"
D = date.fromisoformat


def _material(id: str, hs: str, value: str, origin: str | None = None, **extra) -> Material:
    return Material(id=id, hs=hs, hs_version=extra.pop("hs_version", "HS2022"), quantity=Decimal(1), unit="pc",
                    value=Decimal(value), currency="USD", origin=origin, **extra)


def _shirt(*bom: Material, producer: str = "MY") -> Product:
    return Product(sku="SHIRT", hs="610910", hs_version="HS2022", producer=producer, ex_works=Decimal("9"),
                   fob=Decimal("10"), currency="USD", bom=bom)


def _verdict(report, instrument: str):
    return next(v for v in report.verdicts if v.instrument == instrument)


def test_example_bom_qualifies_under_the_new_aanzfta_text(seeded: Store) -> None:
    document = read_bom(seeded, EXAMPLE)
    report = evaluate_shipment(seeded, document.product, document.shipment)
    verdict = _verdict(report, "AANZFTA-P2")
    assert verdict.originating and verdict.passed_by == "CTH"
    assert [(c.material, c.country, c.provision) for c in verdict.cumulated] == [
        ("yarn", "VN", "cumulation.diagonal")]
    labels = next(m for m in verdict.hs_mappings if m.code == "520811")
    assert (labels.from_version, labels.to_version, labels.targets) == ("HS2017", "HS2022", ("520811",))
    assert verdict.consignment.ok
    assert {f.kind for f in verdict.trace.facts} >= {"Instrument", "PartyTo", "Provision", "CorrelatesTo"}
    # AANZFTA's HS2022 annex is not loaded: the general rule's verdict is provisional, never a confident one
    assert verdict.rule_status == "annex_not_loaded" and verdict.provisional
    # CPTPP's Annex 4-A is loaded (HS2012): its PSR judges the T-shirt; RCEP has neither annex nor general rule
    assert _verdict(report, "CPTPP").rule_status == "psr"
    assert "RCEP" in {u.instrument for u in report.undetermined}


def test_same_inputs_same_verdict(seeded: Store) -> None:
    document = read_bom(seeded, EXAMPLE)
    first = evaluate_shipment(seeded, document.product, document.shipment).model_dump_json()
    assert evaluate_shipment(seeded, document.product, document.shipment).model_dump_json() == first


def test_trace_cypher_draws_the_facts_in_the_graph(seeded: Store) -> None:
    document = read_bom(seeded, EXAMPLE)
    verdict = _verdict(evaluate_shipment(seeded, document.product, document.shipment), "AANZFTA-P2")
    script = verdict.trace_cypher
    assert script.startswith(":param trace => {instruments: [\"AANZFTA-P2\"]")
    assert script.endswith(queries.TRACE_SUBGRAPH.strip())
    rows = seeded.read(queries.TRACE_SUBGRAPH, trace=trace_params(verdict.trace))
    assert rows and rows[0]["parties"] and rows[0]["lineage"] and rows[0]["provisions"]


def test_extended_cumulation_reaches_eu_materials(seeded: Store) -> None:
    declared = SupplierDeclaration(instrument="EUJP", country="DE", valid_from=D("2025-01-01"),
                                   valid_until=D("2025-12-31"))
    product = _shirt(_material("fabric", "600622", "5", "DE", declaration=declared))
    shipment = Shipment(exporter="MY", importer="TH", date=D("2025-06-01"))
    verdict = _verdict(evaluate_shipment(seeded, product, shipment), "XFTA-P1")
    assert [(c.country, c.kind) for c in verdict.cumulated] == [("DE", "extended")]
    assert verdict.numbers.vnm == 0


def test_full_cumulation_counts_partner_processing_only_where_it_applies(seeded: Store) -> None:
    """XFTA full cumulation: TH excludes it; AU delays it until 2026-06-30."""
    fabric = _material("fabric", "600622", "5", "CN", processes_in=(Processing(country="TH", value_added=Decimal(2)),))

    def vnm(importer: str, day: str) -> Decimal:
        report = evaluate_shipment(seeded, _shirt(fabric), Shipment(exporter="MY", importer=importer, date=D(day)))
        verdict = next(v for v in report.verdicts if v.agreement == "XFTA")
        return verdict.numbers.vnm

    assert vnm("TH", "2026-08-01") == Decimal(5)
    assert vnm("AU", "2026-06-30") == Decimal(5)
    assert vnm("AU", "2026-07-01") == Decimal(3)


def test_failed_consignment_names_the_leg(seeded: Store) -> None:
    shipment = Shipment(exporter="MY", importer="AU", date=D("2025-06-01"),
                        legs=(Leg(country="SG", operations=("unloading",), customs_control=True),
                              Leg(country="CN", operations=("relabelling",), customs_control=True)))
    verdict = _verdict(evaluate_shipment(seeded, _shirt(_material("fabric", "600622", "5", "CN")), shipment), "XFTA")
    assert not verdict.originating and verdict.consignment.failing_leg == 1
    assert "CN" in verdict.consignment.reason and "relabelling" in verdict.consignment.reason


def test_fob_rule_and_proofs_come_from_the_origin_terms(seeded: Store) -> None:
    """611020 falls under XFTA's ex 6110 entry, RVC(35): qualifying by RVC with TH involved needs FOB."""
    cardigan = Product(sku="CARDIGAN", hs="611020", hs_version="HS2022", producer="MY", ex_works=Decimal(9),
                       fob=Decimal(10), currency="USD", bom=(_material("yarn", "520512", "5", "CN"),))

    def verdict(importer: str):
        shipment = Shipment(exporter="MY", importer=importer, date=D("2025-06-01"), invoice_value=Decimal(4000),
                            currency="USD")
        return next(v for v in evaluate_shipment(seeded, cardigan, shipment).verdicts if v.agreement == "XFTA")

    to_th = verdict("TH")
    assert to_th.instrument == "XFTA-P1" and to_th.terms_defined_by == "XFTA"
    assert to_th.rule == "RVC(35)" and to_th.originating and to_th.proof.fob_required
    assert {o.name for o in to_th.proof.options} == {"certificate of origin", "origin declaration"}
    assert to_th.proof.validity_months == 12 and to_th.proof.retention_years == 7
    assert not verdict("AU").proof.fob_required


def test_multi_level_bom_judges_the_intermediate_under_its_own_rule(seeded: Store) -> None:
    fabric = _material("fabric", "600622", "4", components=(_material("yarn", "520512", "1", "CN"),))
    verdict = _verdict(evaluate_shipment(seeded, _shirt(fabric), Shipment(exporter="MY", importer="AU",
                                                                           date=D("2025-06-01"))), "XFTA")
    inner = verdict.intermediates[0]
    assert inner.subject == "fabric" and inner.originating
    assert verdict.numbers.vnm == 0 and verdict.originating


def test_cli_evaluate_json(seeded: Store, cli) -> None:
    run = cli("evaluate", str(EXAMPLE), "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    verdict = next(v for v in report["verdicts"] if v["instrument"] == "AANZFTA-P2")
    assert {"agreement", "instrument", "originating", "rule", "criteria", "trace", "trace_cypher"} <= set(verdict)
    assert verdict["originating"] is True and verdict["agreement"] == "AANZFTA"


def test_cli_evaluate_flags_override_the_shipment_date(seeded: Store, cli) -> None:
    run = cli("evaluate", str(EXAMPLE), "--date", "2025-04-20", "--json")
    assert run.returncode == 0, run.stderr
    assert "AANZFTA" in {v["instrument"] for v in json.loads(run.stdout)["verdicts"]}


def test_unknown_hs_code_in_a_bom_is_rejected_with_its_line(seeded: Store, cli, tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace('hs: "520512"', 'hs: "529999"')
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    line = text.splitlines().index('    hs: "529999"') + 1
    with pytest.raises(BomError) as caught:
        read_bom(seeded, bad)
    assert caught.value.line == line and "529999" in str(caught.value)
    run = cli("evaluate", str(bad))
    assert run.returncode == 2 and f"bad.yaml:{line}:" in run.stderr


def _laptop() -> Product:
    """Same heading as its main input, so under ATIGA's general rule it can only qualify by RVC."""
    return Product(sku="LAPTOP", hs="847130", hs_version="HS2022", producer="MY", ex_works=Decimal(90),
                   fob=Decimal(100), currency="USD",
                   bom=(_material("board", "847150", "30", "CN"),))


def test_atiga_fob_on_form_d_only_with_rvc_and_kh_id_or_la(seeded: Store) -> None:
    def atiga(importer: str):
        report = evaluate_shipment(seeded, _laptop(), Shipment(exporter="MY", importer=importer,
                                                                date=D("2025-06-01")))
        return _verdict(report, "ATIGA-P1")

    to_kh = atiga("KH")
    assert to_kh.originating and to_kh.passed_by == "RVC(40)" and to_kh.used_general_rule
    assert to_kh.proof.fob_required and "KH" in to_kh.proof.fob_reason
    assert not atiga("SG").proof.fob_required


def test_atiga_proofs_follow_the_dated_transition(seeded: Store) -> None:
    def proofs(day: str) -> set[str]:
        report = evaluate_shipment(seeded, _laptop(), Shipment(exporter="MY", importer="SG", date=D(day)))
        return {o.name for o in _verdict(report, "ATIGA-P1").proof.options}

    in_2022 = proofs("2022-06-01")
    assert {"Form D (new format, paper)", "e-Form D", "AWSC origin declaration"} <= in_2022
    assert "Form D (paper, ASEAN Single Window failure)" not in in_2022
    in_2025 = proofs("2025-06-01")
    assert "Form D (new format, paper)" not in in_2025
    assert {"e-Form D", "Form D (paper, ASEAN Single Window failure)", "AWSC origin declaration"} <= in_2025


def test_cli_evaluates_a_flat_erp_csv_with_the_shipment_from_flags(seeded: Store, cli) -> None:
    csv_bom = EXAMPLE.with_name("tshirt-bom.csv")
    missing = cli("evaluate", str(csv_bom))
    assert missing.returncode == 2 and "has no shipment" in missing.stderr
    run = cli("evaluate", str(csv_bom), "--exporter", "MY", "--importer", "AU", "--date", "2025-06-02",
               "--json")
    assert run.returncode == 0, run.stderr
    from_csv = next(v for v in json.loads(run.stdout)["verdicts"] if v["instrument"] == "AANZFTA-P2")
    from_yaml = next(v for v in json.loads(cli("evaluate", str(EXAMPLE), "--json").stdout)["verdicts"]
                     if v["instrument"] == "AANZFTA-P2")
    assert from_csv["originating"] and from_csv["numbers"] == from_yaml["numbers"]
