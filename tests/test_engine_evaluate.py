"""The evaluation core end to end on realistic, hand-built inputs (pure)."""

import json
from datetime import date
from decimal import Decimal as D

import pytest

from engine import (CodeMapping, ConsignmentTerms, Cumulation, Evaluation, FobRule,
                    FungibleStock, FungibleTerms, Instrument, Leg, Material, Processing,
                    Product, ProofOption, Psr, Receipt, Shipment, SupplierDeclaration,
                    OriginTerms, Tolerance, TraceFact, parse_rule)
from engine.evaluate import evaluate

ASEAN = ("BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "VN")
DAY = date(2025, 6, 1)

ATIGA = Instrument(
    code="ATIGA", agreement="ATIGA", title="ASEAN Trade in Goods Agreement", parties=ASEAN,
    general_rule=parse_rule("RVC(40) | CTH"), terms=OriginTerms(rvc_default_method="build-down",
    tolerance=Tolerance(percent=D(10), basis="fob", article="ATIGA Art. 30"),
    fungible=FungibleTerms(methods=("fifo", "lifo", "average"), scope="materials",
                           article="ATIGA Art. 31"),
    consignment=ConsignmentTerms(article="ATIGA Art. 32"),
    proofs=(ProofOption(name="e-Form D", kind="certificate", valid_from=date(2024, 1, 1)),),
    fob_on_certificate=FobRule(countries=("KH", "ID", "LA"), valid_from=date(2020, 9, 20)),
    record_retention_years={"MY": 7, "*": 3}, certificate_validity_months=12))

EU = ("DE", "FR", "IT")
EUJP = Instrument(
    code="EUJP", agreement="EUJP", parties=EU + ("JP",), general_rule=None, terms=OriginTerms(
    tolerance=Tolerance(percent=D(10), basis="ex_works", textile_weight_percent=D(10),
                        article="EUJP Art. 3.6"),
    fungible=FungibleTerms(methods=("average",), scope="materials", article="EUJP Art. 3.8",
                           needs_authorisation=True)))


def decl(country, instrument="ATIGA", until=date(2025, 12, 31), ref=None):
    return SupplierDeclaration(instrument=instrument, country=country, valid_from=date(2025, 1, 1),
                               valid_until=until, reference=ref)


def mat(id, hs, value, origin="CN", **kw):
    fields = dict(id=id, description=id, hs=hs, hs_version="HS2022", quantity=D(1), unit="pc",
                  value=D(value), currency="USD", origin=origin)
    fields.update(kw)
    return Material(**fields)


def product(*bom, hs="850440", fob="100", ex_works="90", producer="MY", **kw):
    return Product(sku="PSU-1", description="power supply", hs=hs, hs_version="HS2022",
                   producer=producer, ex_works=D(ex_works), fob=D(fob), currency="USD",
                   bom=bom, **kw)


def shipment(exporter="MY", importer="PH", legs=()):
    return Shipment(exporter=exporter, importer=importer, date=DAY, legs=legs)


def psr(rule, hs="850440", version="HS2022", instrument="ATIGA"):
    return Psr(uid=f"{instrument}:{version}:{hs}", instrument=instrument, hs_version=version,
               scope=hs[:4], rule=rule, criterion=parse_rule(rule), source="test schedule")


def run(prod, rule=None, instrument=ATIGA, **kw):
    kw.setdefault("shipment", shipment())
    return evaluate(Evaluation(product=prod, instrument=instrument,
                               psr=psr(rule) if rule else None, **kw))


# A power supply made in MY: the core is a part of the same heading (8504), the PCB changes
# heading, the casing is declared originating. FOB 100, VNM 28.
CORE = mat("core", "850490", "8")
PCB = mat("pcb", "853400", "20")
CASING = mat("casing", "761699", "15", origin="MY", declaration=decl("MY"))
PSU = product(CORE, PCB, CASING)


def node(v, text):
    return next(c for c in v.criteria if c.text == text)


# --------------------------------------------------------------------------- criteria


def test_rvc_build_down_passes_and_fails():
    v = run(PSU, "RVC(70)")
    assert v.originating and v.passed_by == "RVC(70)"
    assert (v.numbers.vnm, v.numbers.vom, v.numbers.rvc_build_down_pct) == (D(28), D(15),
                                                                             D("72.00"))
    assert "(FOB 100 - VNM 28) / FOB 100 = 72.00% >= 70%" in v.criteria[0].reason
    failed = run(PSU, "RVC(72.01)")
    assert not failed.originating and failed.passed_by is None
    assert "72.00% < 72.01%" in failed.criteria[0].reason


def test_rvc_build_up_uses_vom_and_instrument_default_method():
    v = run(PSU, "RVC(15, build-up)")
    assert v.originating and v.numbers.rvc_build_up_pct == D("15.00")
    assert not run(PSU, "RVC(15.01, build-up)").originating
    build_up_default = ATIGA.model_copy(update={"terms": ATIGA.terms.model_copy(update={"rvc_default_method": "build-up"})})
    v = run(PSU, "RVC(20)", instrument=build_up_default)
    assert not v.originating and "build-up VOM 15 / FOB 100" in v.criteria[0].reason


def test_rvc_compares_unrounded():
    # VNM 60.004 -> 39.996 %, shown as 40.00 but below 40
    v = run(product(mat("x", "853400", "60.004")), "RVC(40)")
    assert v.numbers.rvc_build_down_pct == D("40.00") and not v.originating


def test_tariff_shift_levels():
    bom = product(mat("pcb", "853400", "20"), mat("cap", "853221", "5"))
    assert run(bom, "CC").originating is False  # both are chapter 85
    assert run(bom, "CTH").originating
    assert run(bom, "CTSH").originating
    v = run(product(mat("core", "850490", "20")), "CTSH")
    assert v.originating and not run(product(mat("core", "850490", "20")), "CTH").originating


def test_tariff_shift_exceptions():
    bom = product(mat("pcb", "853400", "20"), mat("cap", "853221", "15"))
    v = run(bom, "CTH except 8532")
    assert not v.originating and v.ctc_failures == ("cap",)
    assert run(bom, "CTH except 8540-8548").originating
    assert not run(bom, "CTH except 8530-8535").originating


def test_ctc_ignores_originating_materials():
    v = run(product(CASING, mat("core", "850490", "20", origin="MY", declaration=decl("MY"))),
            "CTH")
    assert v.originating and v.ctc_failures == ()


def test_max_nom_against_ex_works():
    v = run(PSU, "MaxNOM(31.12)")  # 28 / 90 = 31.11 %
    assert v.originating and v.numbers.nom_pct == D("31.11")
    assert not run(PSU, "MaxNOM(31.11)").originating


def test_specific_process():
    dyed = product(PCB, hs="610910", processes=("Textile-Dyeing",))
    assert run(dyed, "SP(textile-dyeing)").originating
    v = run(dyed, "SP(weaving)")
    assert not v.originating and "textile-dyeing" in v.criteria[0].reason


def test_wholly_obtained():
    fish = product(hs="030389", wholly_obtained=True)
    assert run(fish, "WO").originating
    assert not run(product(hs="030389"), "WO").originating
    mixed = product(mat("salt", "250100", "1"), hs="030389", wholly_obtained=True)
    v = run(mixed, "WO")
    assert not v.originating and "salt" in v.criteria[0].reason


def test_or_evaluates_every_alternative_and_explains():
    v = run(PSU, "RVC(80) | CTH | SP(printing)")  # CTH fails on the core, rescued by tolerance
    assert [c.node for c in v.criteria] == ["1", "1.1", "1.2", "1.3"]
    assert [c.passed for c in v.criteria] == [True, False, True, False]
    assert v.passed_by == "CTH"
    tight = ATIGA.model_copy(update={"terms": ATIGA.terms.model_copy(update={"tolerance": None})})
    v = run(PSU, "RVC(80) | CTH | SP(printing)", instrument=tight)
    assert not v.originating and v.passed_by is None
    reason = v.criteria[0].reason
    assert reason.startswith("no alternative is met:")
    assert "RVC(80)" in reason and "no change of heading for core" in reason
    assert "printing" in reason


def test_and_needs_every_part():
    v = run(PSU, "CTSH & RVC(70)")
    assert v.originating and v.criteria[0].reason == "every part is met"
    v = run(PSU, "CTSH & RVC(75)")
    assert not v.originating and v.criteria[0].reason.startswith("not met: RVC(75)")


def test_passed_by_prefers_an_alternative_without_rvc():
    v = run(product(PCB), "RVC(40) | CTH")
    assert v.passed_by == "CTH"


def test_general_rule_when_no_psr():
    v = run(PSU)
    assert v.used_general_rule and v.rule == "RVC(40) | CTH" and v.psr_uid is None
    assert v.originating


def test_no_rule_at_all_is_not_originating_with_a_warning():
    v = run(PSU, instrument=EUJP, shipment=shipment("DE", "JP"))
    assert not v.originating and v.criteria == ()
    assert "no general rule" in v.warnings[0]


# --------------------------------------------------------------------------- evidence


def test_missing_declaration_is_non_originating_with_warning():
    v = run(product(mat("casing", "761699", "15", origin="MY")), "RVC(90)")
    assert v.numbers.vnm == D(15)
    assert v.warnings == ("material casing: origin MY but no supplier declaration;"
                          " counted non-originating",)


def test_expired_declaration_is_non_originating_with_warning():
    old = mat("casing", "761699", "15", origin="MY",
              declaration=decl("MY", until=date(2025, 5, 31), ref="SD-7"))
    v = run(product(old), "RVC(90)")
    assert v.numbers.vnm == D(15)
    assert "declaration SD-7 is valid 2025-01-01 to 2025-05-31, not on 2025-06-01" in \
        v.warnings[0]


def test_declaration_under_another_agreement_is_not_accepted():
    v = run(product(mat("casing", "761699", "15", origin="MY",
                        declaration=decl("MY", instrument="RCEP"))), "RVC(90)")
    assert v.numbers.vnm == D(15) and "under RCEP" in v.warnings[0]


def test_wholly_obtained_material_from_producer_counts_without_declaration():
    v = run(product(mat("ore", "260111", "30", origin="MY", wholly_obtained=True)), "RVC(90)")
    assert v.numbers.vom == D(30) and v.warnings == ()


# --------------------------------------------------------------------------- cumulation


def cum(kind, countries, instruments=(), provision=None):
    provision = provision or f"cumulation.{kind}"
    return Cumulation(provision=provision, kind=kind, countries=countries,
                      instruments=instruments, path=(f"{provision} applies MY-PH on {DAY}",),
                      source="test")


def test_bilateral_cumulation_counts_partner_materials():
    part = mat("housing", "392690", "30", origin="PH", declaration=decl("PH"))
    without = run(product(part), "RVC(40)")
    assert without.numbers.vnm == D(30) and "no applicable cumulation" in without.warnings[0]
    v = run(product(part), "RVC(40)", cumulation=(cum("bilateral", ("PH",)),))
    assert v.numbers.vom == D(30) and v.numbers.vnm == D(0)
    assert [(c.material, c.country, c.provision, c.via) for c in v.cumulated] == \
        [("housing", "PH", "cumulation.bilateral", "declaration")]
    assert v.cumulated[0].path == ("cumulation.bilateral applies MY-PH on 2025-06-01",)


def test_diagonal_cumulation_counts_third_party_materials():
    part = mat("housing", "392690", "30", origin="TH", declaration=decl("TH"))
    v = run(product(part), "RVC(40)", cumulation=(cum("diagonal", ASEAN),))
    assert v.numbers.vnm == D(0) and v.cumulated[0].kind == "diagonal"
    ore = mat("ore", "260111", "10", origin="VN", wholly_obtained=True)
    v = run(product(ore), "RVC(40)", cumulation=(cum("diagonal", ASEAN),))
    assert v.cumulated[0].via == "wholly_obtained"
    v = run(product(ore), "RVC(40)")
    assert v.numbers.vnm == D(10) and "wholly obtained in VN, which no applicable" in \
        v.warnings[0]


def test_full_cumulation_counts_partner_processing():
    # non-originating wafer (value 50) processed in TH (30 of its value added there)
    wafer = mat("wafer", "381800", "50", origin="TH",
                processes_in=(Processing(country="TH", value_added=D(30),
                                         processes=("diffusion-integrated-circuits",)),))
    diagonal_only = run(product(wafer), "RVC(60)", cumulation=(cum("diagonal", ASEAN),))
    assert diagonal_only.numbers.vnm == D(50) and not diagonal_only.originating
    assert any("processing in TH not counted" in w for w in diagonal_only.warnings)
    v = run(product(wafer), "RVC(60)", cumulation=(cum("full", ASEAN),))
    assert (v.numbers.vnm, v.numbers.vom, v.numbers.partner_processing) == (D(20), D(30),
                                                                            D(30))
    assert v.originating
    assert [(c.material, c.via, c.value) for c in v.cumulated] == [("wafer", "processing",
                                                                   D(30))]


def test_extended_cumulation_accepts_declarations_under_a_named_instrument():
    efta_mercosur = Instrument(code="EFTA-MERCOSUR", agreement="EFTA-MERCOSUR",
                               parties=("CH", "BR"), general_rule=parse_rule("MaxNOM(50)"))
    gear = mat("gear", "848340", "40", origin="DE",
               declaration=decl("DE", instrument="EU-MERCOSUR"))
    watch = product(gear, hs="910211", producer="CH", ex_works="60", fob="70")
    kw = dict(instrument=efta_mercosur, shipment=shipment("CH", "BR"))
    assert not run(watch, **kw).originating
    ext = cum("extended", EU, instruments=("EU-MERCOSUR",), provision="cumulation.extended")
    v = run(watch, cumulation=(ext,), **kw)
    assert v.originating and v.numbers.vnm == D(0)
    assert v.cumulated[0].kind == "extended" and v.cumulated[0].country == "DE"


# --------------------------------------------------------------------------- tolerance


def test_tolerance_rescues_a_small_ctc_failure():
    v = run(PSU, "CTH")
    assert v.originating and v.ctc_failures == ("core",) and v.tolerated == ("core",)
    assert (v.numbers.tolerance_basis, v.numbers.tolerance_used_value,
            v.numbers.tolerance_limit_value) == ("fob", D(8), D(10))
    assert "tolerated: 8 USD <= 10% of FOB 100 = 10 USD (ATIGA Art. 30)" in v.criteria[0].reason


def test_tolerance_does_not_rescue_when_over():
    big = product(mat("core", "850490", "10.01"), PCB)
    v = run(big, "CTH")
    assert not v.originating and v.ctc_failures == ("core",) and v.tolerated == ()
    assert "not tolerated: 10.01 USD > 10% of FOB 100" in v.criteria[0].reason


def test_textile_tolerance_by_weight():
    yarn = mat("yarn", "520512", "30", weight_kg=D("0.08"))
    fabric = mat("fabric", "600622", "20", weight_kg=D("0.92"))  # chapter 60 -> 61: CC ok
    tee = product(yarn, fabric, hs="610910", producer="DE", ex_works="100")
    kw = dict(instrument=EUJP, shipment=shipment("DE", "JP"))
    v = evaluate(Evaluation(product=tee, psr=psr("CTH except 5205", hs="610910",
                                                  instrument="EUJP"), **kw))
    assert v.originating and v.numbers.tolerance_basis == "weight"
    assert (v.numbers.tolerance_used_value, v.numbers.tolerance_limit_value) == (D("0.08"),
                                                                                 D("0.1"))
    heavy = product(yarn.model_copy(update={"weight_kg": D("0.2")}), fabric, hs="610910",
                    producer="DE")
    v = evaluate(Evaluation(product=heavy, psr=psr("CTH except 5205", hs="610910",
                                                   instrument="EUJP"), **kw))
    assert not v.originating and "kg" in v.criteria[0].reason


# --------------------------------------------------------------------------- fungible


def copper(method):
    stock = FungibleStock(method=method, receipts=(
        Receipt(date=date(2025, 1, 5), quantity=D(600), originating=True),
        Receipt(date=date(2025, 2, 5), quantity=D(400), originating=False)))
    return mat("copper", "740811", "1600", origin=None, quantity=D(800), unit="kg",
               fungible=stock)


def test_fungible_material_split_by_average_is_exact():
    v = run(product(copper("average"), fob="4000", ex_works="3800"), "RVC(40)")
    (use,) = v.fungible
    assert (use.allocation.originating_qty, use.allocation.non_originating_qty) == (D(480),
                                                                                  D(320))
    assert (use.originating_value, use.non_originating_value) == (D(960), D(640))
    assert (v.numbers.vom, v.numbers.vnm) == (D(960), D(640))


def test_fungible_method_must_be_allowed_by_the_instrument():
    v = evaluate(Evaluation(product=product(copper("fifo"), producer="DE", fob="4000",
                                            ex_works="3800"),
                            shipment=shipment("DE", "JP"), instrument=EUJP,
                            psr=psr("MaxNOM(50)", instrument="EUJP")))
    assert v.numbers.vnm == D(1600) and "method fifo is not allowed" in v.warnings[0]
    v = evaluate(Evaluation(product=product(copper("average"), producer="DE", fob="4000",
                                            ex_works="3800"),
                            shipment=shipment("DE", "JP"), instrument=EUJP,
                            psr=psr("MaxNOM(50)", instrument="EUJP")))
    assert v.numbers.vnm == D(640) and "prior authorisation" in v.warnings[0]


def test_fungible_fifo_and_lifo_in_a_verdict():
    assert run(product(copper("fifo"), fob="4000"), "RVC(40)").numbers.vnm == D(400)
    assert run(product(copper("lifo"), fob="4000"), "RVC(40)").numbers.vnm == D(800)


# --------------------------------------------------------------------------- intermediates


def test_originating_intermediate_counts_wholly_originating():
    # the PCB assembly is made in-house from a foreign bare board (8534 -> 8537: CTH ok)
    board = mat("bare-board", "853400", "12")
    assembly = mat("pcb-assembly", "853710", "25", origin="MY", components=(board,))
    v = run(product(assembly, CORE), "RVC(60)",
            psrs_for_components={"853710": psr("CTH", hs="853710")})
    (inter,) = v.intermediates
    assert inter.subject == "pcb-assembly" and inter.originating and inter.passed_by == "CTH"
    assert inter.numbers.vnm == D(12)
    assert (v.numbers.vnm, v.numbers.vom) == (D(8), D(25))  # the bare board vanished


def test_non_originating_intermediate_counts_its_full_value():
    board = mat("bare-board", "853710", "12")  # same heading: CTH fails, 12 > 10% of 25
    assembly = mat("pcb-assembly", "853710", "25", origin="MY", components=(board,))
    v = run(product(assembly, CORE), "RVC(60)",
            psrs_for_components={"853710": psr("CTH", hs="853710")})
    (inter,) = v.intermediates
    assert not inter.originating and inter.ctc_failures == ("bare-board",)
    assert (v.numbers.vnm, v.numbers.vom) == (D(33), D(0))


def test_intermediate_without_psr_uses_the_general_rule_recursively():
    glass = mat("glass", "700719", "2")
    panel = mat("panel", "852412", "6", origin="MY", components=(glass,))
    display = mat("display", "852412", "20", origin="MY",
                  components=(panel, mat("driver", "854231", "3")))
    v = run(product(display), "RVC(40)")
    (inter,) = v.intermediates
    assert inter.used_general_rule and inter.intermediates[0].subject == "panel"
    assert inter.intermediates[0].originating and inter.originating


# --------------------------------------------------------------------------- HS versions


def old(id, hs, value):
    return mat(id, hs, value, hs_version="HS2017")


def test_mixed_versions_are_mapped_into_the_psr_version():
    m = CodeMapping(code="852990", from_version="HS2017", to_version="HS2022",
                    targets=("852990",), path=("HS2017 852990 -CORRELATES_TO-> HS2022 852990",))
    v = run(product(old("module", "852990", "5")), "CTH", mappings=(m,))
    assert v.originating and v.hs_mappings == (m,)
    assert "compared in HS2022, 1 code(s) mapped" in v.criteria[0].reason


def test_ambiguous_split_passes_only_if_every_target_passes():
    # HS2017 854140 split into 854142 / 854143 / 854149 in HS2022 (solar cells)
    m = CodeMapping(code="854140", from_version="HS2017", to_version="HS2022",
                    targets=("854142", "854143", "854149"), ambiguous=True)
    cells = product(old("cells", "854140", "30"), hs="854143")
    v = run(cells, "CTSH", mappings=(m,))
    assert not v.originating and v.ctc_failures == ("cells",)
    assert any("splits into 854142, 854143, 854149 in HS2022 (ambiguous)" in w
               for w in v.warnings)
    v = run(product(old("cells", "854140", "30"), hs="850440"), "CTH", mappings=(m,))
    assert v.originating and "ambiguous" in " ".join(v.warnings)


def test_missing_mapping_fails_the_material_conservatively():
    v = run(product(old("module", "852990", "15")), "CTH")
    assert not v.originating and "no HS2017->HS2022 correlation" in v.warnings[0]


def test_product_declared_in_another_version_is_mapped_too():
    m = CodeMapping(code="850440", from_version="HS2017", to_version="HS2022",
                    targets=("850440",))
    prod = product(PCB).model_copy(update={"hs_version": "HS2017"})
    v = run(prod, "CTH", mappings=(m,))
    assert v.originating and v.hs_mappings == (m,)


# --------------------------------------------------------------------------- verdict level


def test_failed_consignment_makes_the_verdict_non_originating():
    legs = (Leg(country="MY"), Leg(country="CN", operations=("unloading", "repacking"),
                                   customs_control=True), Leg(country="PH"))
    v = run(PSU, "RVC(40)", shipment=shipment(legs=legs))
    assert v.passed_by == "RVC(40)" and not v.originating
    assert (v.consignment.failing_leg, v.consignment.country) == (1, "CN")
    assert "repacking" in v.consignment.reason


def test_fob_rule_in_the_verdict():
    kh = shipment("MY", "KH")
    assert run(product(CORE), "RVC(40) | CTH", shipment=kh).proof.fob_required is False
    rvc_only = product(mat("core", "850490", "20"))  # CTH fails beyond tolerance
    v = run(rvc_only, "RVC(40) | CTH", shipment=kh)
    assert v.passed_by == "RVC(40)" and v.proof.fob_required
    assert not run(rvc_only, "RVC(40) | CTH", shipment=shipment("MY", "SG")).proof.fob_required


def test_trace_keeps_the_graph_facts_in_order_without_repeats():
    facts = (TraceFact(kind="Instrument", key={"code": "ATIGA"}, summary="ATIGA"),
             TraceFact(kind="PartyTo", key={"country": "MY", "instrument": "ATIGA"}),
             TraceFact(kind="Instrument", key={"code": "ATIGA"}, summary="ATIGA"))
    v = run(PSU, "CTH", facts=facts)
    assert v.trace.facts == facts[:2]


def test_same_input_gives_identical_json():
    e = Evaluation(product=product(CORE, PCB, CASING, copper("average"), fob="4000"),
                   shipment=shipment(), instrument=ATIGA, psr=psr("RVC(40) | CTH"),
                   cumulation=(cum("diagonal", ASEAN),))
    first = json.dumps(evaluate(e).model_dump(mode="json"))
    second = json.dumps(evaluate(Evaluation.model_validate(e.model_dump())).model_dump(
        mode="json"))
    assert first == second
    data = json.loads(first)
    assert data["agreement"] == "ATIGA" and data["numbers"]["vnm"] == "668"


def test_mixed_currencies_are_rejected_before_evaluation():
    with pytest.raises(ValueError, match="convert before evaluating"):
        product(mat("pcb", "853400", "20", currency="EUR"))
