"""Rule language v2 (seeds/README.md "Rule syntax"): every form parses, renders canonically and
round-trips; stored JSON of v1 trees is unchanged."""

from decimal import Decimal as D
from itertools import product as cartesian

import pytest
from pydantic import ValidationError

from engine.criteria import (AllOf, AnyOf, MadeFrom, MaxNom, NomLimit, NomWithinOm,
                             OriginatingMaterials, RuleSyntaxError, Rvc, SpecificProcess,
                             TariffShift, WhollyObtained, WhollyObtainedMaterials,
                             criterion_from_json, criterion_to_json, exception_matches,
                             item_matches_code, parse_rule, render_rule, uses_rvc)

# ------------------------------------------------------------------ every form


@pytest.mark.parametrize("text, tree", [
    ("WO(03)", WhollyObtainedMaterials(items=("03",))),
    ("wo( 03 , 0302.11 )", WhollyObtainedMaterials(items=("03", "030211"))),
    ("ORIG(2009)", OriginatingMaterials(items=("2009",))),
    ('ORIG("unmanufactured tobacco", 70, weight)',
     OriginatingMaterials(items=('"unmanufactured tobacco"',), weight_percent=D(70))),
    ('ORIG(2401, "Unmanufactured   Tobacco" , 70.50, WEIGHT)',
     OriginatingMaterials(items=("2401", '"Unmanufactured Tobacco"'), weight_percent=D("70.5"))),
    ("ORIG(2009, 70)", OriginatingMaterials(items=("2009", "70"))),  # 70 is chapter 70 here
    ("ANY", TariffShift(level="any")),
    ("ANY except 1701", TariffShift(level="any", exceptions=("1701",))),
    ('CTH except 1701, 04, 7208-7212, "assemblies of uppers"',
     TariffShift(level="heading", exceptions=("1701", "04", "7208-7212", '"assemblies of uppers"'))),
    ('CTH allow 5205, @heading, "handles of base metal"',
     TariffShift(level="heading", allowed=("5205", "@heading", '"handles of base metal"'))),
    ("CTSH except 8541 allow @Subheading, *",
     TariffShift(level="subheading", exceptions=("8541",), allowed=("@subheading", "*"))),
    ("CC EXCEPT 72 ALLOW 7206", TariffShift(level="chapter", exceptions=("72",), allowed=("7206",))),
    ('FROM(7206, "ingots or other primary forms of heading 7218")',
     MadeFrom(items=("7206", '"ingots or other primary forms of heading 7218"'))),
    ("NOM(17, 30)", NomLimit(items=("17",), percent=D(30))),
    ("NOM(17, 30, exw)", NomLimit(items=("17",), percent=D(30))),
    ("NOM(@heading, 20, fob)", NomLimit(items=("@heading",), percent=D(20), basis="fob")),
    ("NOM(5402, 10, weight)", NomLimit(items=("5402",), percent=D(10), basis="weight")),
    ("NOM(30, 30)", NomLimit(items=("30",), percent=D(30))),
    ("NOM(17, 1701-1703, 12.5)", NomLimit(items=("17", "1701-1703"), percent=D("12.5"))),
    ("MaxNOM(50)", MaxNom(percent=D(50))),
    ("MaxNOM(50, exw)", MaxNom(percent=D(50))),
    ("MaxNOM(45, fob)", MaxNom(percent=D(45), basis="fob")),
    ("NOM<=OM", NomWithinOm()),
    ("nom <= om", NomWithinOm()),
    ("SP(weaving)", SpecificProcess(process="weaving")),
    ("SP(cut-or-knit-to-shape-and-assembled)",
     SpecificProcess(process="cut-or-knit-to-shape-and-assembled")),
    ("WO", WhollyObtained()),
])
def test_every_v2_form(text, tree):
    assert parse_rule(text) == tree


@pytest.mark.parametrize("messy, canonical", [
    ("cth EXCEPT 72.07 ,7208-7212", "CTH except 7207, 7208-7212"),
    ("MaxNOM(50, EXW)", "MaxNOM(50)"),
    ("maxnom(45.0,fob)", "MaxNOM(45, fob)"),
    ("NOM(17,30,exw)", "NOM(17, 30)"),
    ('FROM( "  ingots  of\tsteel " ,7206)', 'FROM("ingots of steel", 7206)'),
    ("ORIG(2009,70.00,weight)", "ORIG(2009, 70, weight)"),
    ("nom<=om|any except 1701", "NOM<=OM | ANY except 1701"),
    ("cth allow @HEADING", "CTH allow @heading"),
    ("wo(03)&wo", "WO(03) & WO"),
])
def test_render_is_canonical(messy, canonical):
    assert render_rule(parse_rule(messy)) == canonical


def test_terms_keep_case_for_display():
    c = parse_rule('FROM("Ingots of Heading 7218")')
    assert render_rule(c) == 'FROM("Ingots of Heading 7218")'


# ------------------------------------------------------------------ round trips, many trees

_ITEMS = [("03",), ("7208-7212",), ("@heading",), ('"assemblies of uppers"',), ("*",),
          ("17", "@chapter", '"cane sugar"')]
_LEAVES = (
    [WhollyObtained(), NomWithinOm(), SpecificProcess(process="weaving"),
     Rvc(threshold=D(40)), Rvc(threshold=D("42.5"), method="build-up"),
     MaxNom(percent=D(50)), MaxNom(percent=D(45), basis="fob")]
    + [WhollyObtainedMaterials(items=i) for i in _ITEMS]
    + [OriginatingMaterials(items=i) for i in _ITEMS]
    + [OriginatingMaterials(items=i, weight_percent=D(70)) for i in _ITEMS]
    + [MadeFrom(items=i) for i in _ITEMS]
    + [NomLimit(items=i, percent=p, basis=b) for i in _ITEMS for p in (D(0), D("30.25"), D(100))
       for b in ("exw", "fob", "weight")]
    + [TariffShift(level=lv, exceptions=ex, allowed=al)
       for lv in ("chapter", "heading", "subheading", "any")
       for ex in ((), *_ITEMS[:4]) for al in ((), *_ITEMS[2:])]
)


def _trees():
    yield from _LEAVES
    few = _LEAVES[::7]
    for a, b in cartesian(few, few):
        yield AnyOf(options=(a, b))
        yield AllOf(parts=(a, b))
        yield AllOf(parts=(AnyOf(options=(a, b)), a))
        yield AnyOf(options=(AllOf(parts=(a, b)), AnyOf(options=(b, a))))


def test_every_tree_round_trips_through_text_and_json():
    count = 0
    for tree in _trees():
        text = render_rule(tree)
        assert parse_rule(text) == tree, text
        assert render_rule(parse_rule(text)) == text
        stored = criterion_to_json(tree)
        assert criterion_from_json(stored) == tree
        count += 1
    assert count > 500


def test_v1_trees_keep_their_stored_json():
    assert criterion_to_json(parse_rule("CTH except 7207, 7208-7212")) == \
        '{"exceptions":["7207","7208-7212"],"kind":"CTC","level":"heading"}'
    assert criterion_to_json(parse_rule("MaxNOM(50)")) == '{"kind":"MaxNOM","percent":"50"}'
    assert criterion_to_json(parse_rule("CTH")) == '{"exceptions":[],"kind":"CTC","level":"heading"}'
    # and v1 JSON reads back as the same tree
    assert criterion_from_json('{"exceptions":["7207"],"kind":"CTC","level":"heading"}') == \
        TariffShift(level="heading", exceptions=("7207",))


def test_uses_rvc_walks_new_nodes():
    assert not uses_rvc(parse_rule("NOM(17, 30) & FROM(7206) | NOM<=OM"))
    assert uses_rvc(parse_rule("WO(03) & (ANY except 1701 | RVC(40))"))


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("text, position, fragment", [
    ("SP(potting)", 3, "unknown process 'potting'"),
    ("SP(Weavng)", 3, "engine.processes.PROCESSES"),
    ("WO()", 3, "expected an HS code"),
    ("WO(03", 5, "expected ')'"),
    ("ORIG(2009, 70, fob)", 15, "ORIG(items, n, weight)"),
    ("ORIG(70, weight)", 9, "ORIG(items, n, weight)"),
    ("ORIG(2009, 101, weight)", 11, "0-100"),
    ("NOM(17)", 4, "NOM(items, n"),
    ("NOM(17, 30, cif)", 12, "expected a basis"),
    ("NOM(17, 7208-7212)", 8, "expected a threshold"),
    ("NOM(17, 120)", 8, "0-100"),
    ("NOM(abc, 30)", 4, "expected an HS code"),
    ("NOM(720, 30)", 4, "expected an HS code"),
    ("NOM<=", 5, "expected 'OM'"),
    ("MaxNOM(50, weight)", 11, "expected a basis (exw or fob)"),
    ("MaxNOM(50, 20)", 11, "expected a basis"),
    ("CTH except @product", 11, "@chapter, @heading or @subheading"),
    ('FROM("steel)', 5, "closing"),
    ('FROM("  ")', 5, "expected an HS code"),
    ("FROM(*, 72-7212)", 8, "equal length"),
    ("CTH allow 5205 except 5204", 15, "'except' must come before 'allow'"),
    ("allow 5205", 0, "'allow' must follow"),
    ("except 72", 0, "'except' must follow CC, CTH, CTSH or ANY"),
    ("ANY allow", 9, "expected an HS code"),
    ("FOO", 0, "unknown keyword 'FOO'"),
])
def test_syntax_errors(text, position, fragment):
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(text)
    assert info.value.position == position, str(info.value)
    assert fragment in str(info.value)


def test_models_reject_what_the_parser_rejects():
    with pytest.raises(ValidationError, match="unknown process"):
        SpecificProcess(process="potting")
    with pytest.raises(ValidationError):
        NomLimit(items=(), percent=D(10))
    with pytest.raises(ValidationError):
        MadeFrom(items=('"a "quoted" word"',))
    with pytest.raises(ValidationError):
        MaxNom(percent=D(10), basis="weight")


# ------------------------------------------------------------------ item matching


@pytest.mark.parametrize("item, code, product, expected", [
    ("72", "720711", None, True),
    ("7208-7212", "721290", None, True),
    ("7208-7212", "721310", None, False),
    ("@chapter", "170199", "170490", True),
    ("@heading", "170199", "170490", False),
    ("@heading", "170490", "170410", True),
    ("@subheading", "170490", "170410", False),
    ("*", "010121", None, True),
    ('"cane sugar"', "170199", None, False),  # terms are declared on materials, not codes
])
def test_item_matches_code(item, code, product, expected):
    assert item_matches_code(item, code, product) is expected


def test_exception_matches_with_own_heading():
    assert exception_matches(("@heading",), "850490", product="850440")
    with pytest.raises(ValueError, match="needs the product"):
        exception_matches(("@heading",), "850490")


# ================================================================== semantics (hand-computed)

from datetime import date  # noqa: E402

from engine import (CodeMapping, Cumulation, Evaluation, Instrument, Material, OriginTerms,  # noqa: E402
                    Processing, Product, Psr, Shipment, SupplierDeclaration, Tolerance)
from engine.evaluate import evaluate  # noqa: E402

DAY = date(2025, 6, 1)
PARTIES = ("MY", "VN", "TH")
PLAIN = Instrument(code="XFTA", agreement="XFTA", parties=PARTIES)
TOLERANT = PLAIN.model_copy(update={"terms": OriginTerms(tolerance=Tolerance(percent=D(10), basis="fob",
                                                                            article="Art. 9"))})


def decl(country="MY"):
    return SupplierDeclaration(instrument="XFTA", country=country, valid_from=date(2025, 1, 1),
                               valid_until=date(2025, 12, 31))


def mat(id, hs, value, origin="CN", version="HS2022", **kw):
    return Material(id=id, hs=hs, hs_version=version, quantity=D(1), unit="pc", value=D(value),
                    currency="USD", origin=origin, **kw)


def originating(id, hs, value, **kw):
    return mat(id, hs, value, origin="MY", declaration=decl(), **kw)


def good(*bom, hs="850440", ex_works="100.00", fob="100.00", **kw):
    return Product(sku="P", hs=hs, hs_version="HS2022", producer="MY", ex_works=D(ex_works),
                   fob=D(fob), currency="USD", bom=bom, **kw)


def verdict(prod, rule, instrument=PLAIN, version="HS2022", **kw):
    psr = Psr(uid="XFTA:1", instrument="XFTA", hs_version=version, scope=prod.hs[:4], rule=rule,
              criterion=parse_rule(rule))
    return evaluate(Evaluation(product=prod, instrument=instrument, psr=psr,
                               shipment=Shipment(exporter="MY", importer="VN", date=DAY), **kw))


def head(prod, rule, **kw):
    v = verdict(prod, rule, **kw)
    return v, v.criteria[0]


# ------------------------------------------------------------------ NOM by value


def test_nom_exactly_at_the_limit_passes_one_cent_over_fails():
    v, r = head(good(mat("SUGAR-1", "170199", "30.00"), originating("CUP", "392690", "40")),
                "NOM(17, 30)")
    assert v.originating and r.passed
    assert r.reason == ("NOM(17, 30): non-originating materials of 17 (SUGAR-1 [HS 170199])"
                        " 30.00 of ex-works 100.00 = 30.00% <= 30%")
    assert r.numbers == {"used": D("30.00"), "base": D("100.00"), "used_pct": D("30.00"),
                         "max_pct": D(30)}
    v, r = head(good(mat("SUGAR-1", "170199", "30.01")), "NOM(17, 30)")
    assert not v.originating and r.failures == ("SUGAR-1",)
    assert r.reason.endswith("30.01 of ex-works 100.00 = 30.01% > 30%")


def test_nom_counts_only_non_originating_materials_of_the_items():
    bom = good(mat("SUGAR-1", "170199", "20"), originating("SUGAR-2", "170199", "50"),
               mat("COCOA", "180100", "40"))
    v, r = head(bom, "NOM(17, 20)")
    assert r.passed and r.numbers["used"] == D(20)  # SUGAR-2 originating, COCOA not of 17
    assert not head(bom, "NOM(17, 18, 20)")[1].passed  # 60 > 20


def test_nom_on_fob_and_own_heading():
    bom = good(mat("CORE", "850490", "10.00"), ex_works="80.00", fob="50.00")
    assert head(bom, "NOM(@heading, 20, fob)")[1].passed  # 10 of FOB 50 = 20 %
    r = head(bom, "NOM(@heading, 19.99, fob)")[1]
    assert not r.passed and "of FOB 50.00 = 20.00% > 19.99%" in r.reason
    assert head(bom, "NOM(@heading, 12.5)")[1].passed  # 10 of ex-works 80 = 12.5 %


def test_nom_excludes_partner_processing_of_full_cumulation():
    wafer = mat("WAFER", "381800", "50", origin="TH",
                processes_in=(Processing(country="TH", value_added=D(30)),))
    full = Cumulation(provision="cumulation.full", kind="full", countries=("TH",))
    r = head(good(wafer), "NOM(38, 20)", cumulation=(full,))[1]
    assert r.passed and r.numbers["used"] == D(20)


# ------------------------------------------------------------------ NOM by weight


def _yarn(weight):
    return mat("YARN", "540233", "5", weight_kg=D(weight))


def test_nom_by_weight_of_all_materials():
    other = originating("COTTON", "520100", "20", weight_kg=D("9.000"))
    v, r = head(good(_yarn("1.000"), other, hs="520812"), "NOM(5402, 10, weight)")
    assert r.passed and r.reason.endswith("1.000 kg of the weight of all materials 10.000 kg"
                                          " = 10.00% <= 10%")
    r = head(good(_yarn("1.001"), other, hs="520812"), "NOM(5402, 10, weight)")[1]
    assert not r.passed and r.failures == ("YARN",)  # 1.001 / 10.001 = 10.009 %


def test_nom_by_weight_needs_every_weight():
    r = head(good(_yarn("1"), originating("COTTON", "520100", "20"), hs="520812"),
             "NOM(5402, 10, weight)")[1]
    assert not r.passed and "no weight_kg is given for COTTON" in r.reason


# ------------------------------------------------------------------ MaxNOM and NOM<=OM


def test_max_nom_on_fob():
    bom = good(mat("X", "853400", "45.00"), ex_works="120", fob="100")
    assert head(bom, "MaxNOM(45, fob)")[1].passed
    r = head(good(mat("X", "853400", "45.01"), fob="100"), "MaxNOM(45, fob)")[1]
    assert not r.passed and r.reason == "VNM 45.01 / FOB 100 = 45.01% > 45%"


def test_nom_within_om_equal_passes():
    r = head(good(mat("A", "853400", "50.00"), originating("B", "761699", "50.00")), "NOM<=OM")[1]
    assert r.passed and r.reason == "NOM<=OM: VNM 50.00 <= VOM 50.00"
    r = head(good(mat("A", "853400", "50.01"), originating("B", "761699", "49.99")), "NOM<=OM")[1]
    assert not r.passed and r.reason == "NOM<=OM: VNM 50.01 > VOM 49.99"


# ------------------------------------------------------------------ except / allow / ANY

CORE = mat("CORE", "850490", "8")   # same heading as the product 850440
PCB = mat("PCB", "853400", "20")


def test_allow_exempts_a_material_from_the_change():
    assert not head(good(CORE, PCB), "CTH")[1].passed
    r = head(good(CORE, PCB), "CTH allow 8504")[1]
    assert r.passed and "allowed: CORE [HS 850490]" in r.reason
    assert head(good(CORE, PCB), "CTH allow @heading")[1].passed


def test_except_wins_over_allow_and_over_a_change():
    r = head(good(CORE, PCB), "CTH except 8534 allow 8504")[1]
    assert not r.passed and r.failures == ("PCB",)
    assert "non-originating materials of the except list 8534 used: PCB [HS 853400]" in r.reason
    r = head(good(CORE, PCB), "CTH except 8504 allow 8504")[1]
    assert not r.passed and r.failures == ("CORE",)


def test_any_requires_no_change_but_except_materials_may_not_be_used():
    r = head(good(CORE, PCB), "ANY")[1]
    assert r.passed and r.reason == "no change of classification required"
    r = head(good(CORE, PCB), "ANY except 8534")[1]
    assert not r.passed and r.failures == ("PCB",)
    assert head(good(CORE, originating("PCB", "853400", "20")), "ANY except 8534")[1].passed


def test_any_except_failures_fall_under_the_tolerance():
    at_limit = mat("PCB", "853400", "10.00")  # 10 % of FOB 100.00
    v, r = head(good(CORE, at_limit), "ANY except 8534", instrument=TOLERANT)
    assert v.originating and r.tolerated == ("PCB",)
    assert "tolerated: 10.00 USD <= 10% of FOB 100.00" in r.reason
    r = head(good(CORE, mat("PCB", "853400", "10.01")), "ANY except 8534", instrument=TOLERANT)[1]
    assert not r.passed and "not tolerated" in r.reason


def test_ctc_failures_list_only_tariff_shift_failures():
    v = verdict(good(CORE, mat("SUGAR", "170199", "40")), "CTH & NOM(17, 30)")
    assert v.ctc_failures == ("CORE",)
    assert v.criteria[2].failures == ("SUGAR",)


# ------------------------------------------------------------------ FROM


STEEL = "7206, \"ingots or other primary forms of heading 7218\""


def test_from_with_codes_and_a_declared_term():
    iron = mat("IRON", "720610", "10")
    ingot = mat("INGOT", "721810", "30", named_as=("Ingots or other  primary forms of heading 7218",))
    r = head(good(iron, ingot, hs="722230"), f"FROM({STEEL})")[1]
    assert r.passed
    assert 'INGOT [declared as "Ingots or other primary forms of heading 7218"]' in r.reason
    assert "IRON [HS 720610]" in r.reason
    r = head(good(iron, ingot, mat("SCRAP", "720410", "5"), hs="722230"), f"FROM({STEEL})")[1]
    assert not r.passed and r.failures == ("SCRAP",)
    assert "not of 7206" in r.reason and "SCRAP [HS 720410]" in r.reason


def test_from_ignores_originating_materials_and_is_met_without_non_originating():
    assert head(good(originating("SCRAP", "720410", "5"), hs="722230"), f"FROM({STEEL})")[1].passed


# ------------------------------------------------------------------ WO(items) and ORIG


def test_wo_of_chapter_3():
    tuna = mat("TUNA", "030487", "40", origin="MY", wholly_obtained=True)
    assert head(good(tuna, mat("OIL", "151790", "5"), hs="160414"), "WO(03)")[1].passed
    farmed = originating("TUNA", "030487", "40")  # originating by declaration, not wholly obtained
    r = head(good(farmed, hs="160414"), "WO(03)")[1]
    assert not r.passed and r.failures == ("TUNA",)
    assert "TUNA [HS 030487, not declared wholly obtained]" in r.reason
    foreign = mat("TUNA", "030487", "40", origin="JP", wholly_obtained=True)
    r = head(good(foreign, hs="160414"), "WO(03)")[1]
    assert not r.passed and "wholly obtained but not counted originating" in r.reason
    r = head(good(mat("OIL", "151790", "5"), hs="160414"), "WO(03)")[1]
    assert r.passed and r.reason == "WO(03): no material of 03 used"


def test_orig_requires_originating_materials_of_the_items():
    assert head(good(originating("JUICE", "200911", "40"), hs="220299"), "ORIG(2009)")[1].passed
    r = head(good(mat("JUICE", "200911", "40"), hs="220299"), "ORIG(2009)")[1]
    assert not r.passed and r.failures == ("JUICE",)


TOBACCO = 'ORIG("unmanufactured tobacco", 70, weight)'


def _leaf(id, weight, origin_ok):
    make = originating if origin_ok else mat
    return make(id, "240110", "10", weight_kg=D(weight), named_as=("Unmanufactured tobacco",))


def test_orig_by_weight_exactly_70_percent_passes():
    r = head(good(_leaf("LEAF-A", "7.000", True), _leaf("LEAF-B", "3.000", False), hs="240220"),
             TOBACCO)[1]
    assert r.passed and "7.000 kg of 10.000 kg = 70.00% >= 70%" in r.reason
    assert 'LEAF-A [declared as "Unmanufactured tobacco"]' in r.reason
    r = head(good(_leaf("LEAF-A", "7.000", True), _leaf("LEAF-B", "3.001", False), hs="240220"),
             TOBACCO)[1]
    assert not r.passed and r.failures == ("LEAF-B",)  # 7 / 10.001 = 69.99 %


def test_orig_by_weight_needs_weights():
    leaf = originating("LEAF", "240110", "10", named_as=("unmanufactured tobacco",))
    r = head(good(leaf, hs="240220"), TOBACCO)[1]
    assert not r.passed and "no weight_kg is given for LEAF" in r.reason


# ------------------------------------------------------------------ SP


FULL_VN = Cumulation(provision="cumulation.full", kind="full", countries=("VN",))
DIAGONAL_VN = Cumulation(provision="cumulation.diagonal", kind="diagonal", countries=("VN",))


def test_sp_in_the_producer():
    r = head(good(hs="520812", processes=("weaving",)), "SP(weaving)")[1]
    assert r.passed and "carried out in MY (the producer" in r.reason


def test_sp_in_a_full_cumulation_partner_and_not_in_a_non_partner():
    woven_vn = good(hs="520812", processes=({"process": "weaving", "country": "VN"},))
    r = head(woven_vn, "SP(weaving)", cumulation=(FULL_VN,))[1]
    assert r.passed and "in VN (declared on the product), which cumulation.full" in r.reason
    r = head(woven_vn, "SP(weaving)")[1]
    assert not r.passed and "only in VN" in r.reason
    assert not head(woven_vn, "SP(weaving)", cumulation=(DIAGONAL_VN,))[1].passed


def test_sp_counts_processing_of_a_material_in_a_partner():
    yarn = mat("YARN", "520512", "5", origin="VN",
               processes_in=(Processing(country="VN", value_added=D(1), processes=("dyeing",)),))
    r = head(good(yarn, hs="520812"), "SP(dyeing)", cumulation=(FULL_VN,))[1]
    assert r.passed and "processing of material YARN" in r.reason


def test_sp_plain_name_on_a_bought_material_is_its_origin():
    yarn = mat("YARN", "520512", "5", origin="CN", processes=("spinning",))
    r = head(good(yarn, hs="520812"), "SP(spinning)")[1]
    assert not r.passed and "only in CN (declared on material YARN)" in r.reason


def test_unknown_process_in_a_bom_is_an_input_error():
    with pytest.raises(ValidationError, match="unknown process 'weavng'"):
        good(hs="520812", processes=("weavng",))


# ------------------------------------------------------------------ HS editions, conservatively

SPLIT = CodeMapping(code="170199", from_version="HS2017", to_version="HS2022",
                    targets=("170191", "170199"), ambiguous=True)


def _old_sugar(value="30"):
    return mat("SUGAR-1", "170199", value, version="HS2017")


def test_split_code_is_in_a_limit_when_any_candidate_is():
    v, r = head(good(_old_sugar("31"), hs="170490"), "NOM(170191, 30)", mappings=(SPLIT,))
    assert not r.passed and "HS 170191 of HS2017 170199" in r.reason
    assert any("splits into 170191, 170199" in w and "(a limit or requirement)" in w
               for w in v.warnings)
    assert SPLIT in v.hs_mappings


def test_split_code_is_in_a_permission_only_when_every_candidate_is():
    v, r = head(good(_old_sugar(), hs="170490"), "FROM(170191)", mappings=(SPLIT,))
    assert not r.passed and r.failures == ("SUGAR-1",)
    assert any("not taken to be of FROM(170191)'s items" in w for w in v.warnings)
    assert head(good(_old_sugar(), hs="170490"), "FROM(1701)", mappings=(SPLIT,))[1].passed
    assert head(good(_old_sugar(), hs="170490"), "FROM(170191, 170199)",
                mappings=(SPLIT,))[1].passed


def test_unmapped_code_counts_for_a_limit_and_not_for_a_permission():
    v, r = head(good(_old_sugar("31"), hs="170490"), "NOM(17, 30)")
    assert not r.passed and any("no HS2017->HS2022 correlation" in w for w in v.warnings)
    v, r = head(good(_old_sugar(), hs="170490"), "FROM(17)")
    assert not r.passed and any("not taken to be of FROM(17)'s items (a permission)" in w
                                for w in v.warnings)
    # a declared term still admits it: prose names do not depend on codes
    named = mat("SUGAR-1", "170199", "30", version="HS2017", named_as=("cane sugar",))
    assert head(good(named, hs="170490"), 'FROM(17, "cane sugar")')[1].passed


def test_combined_reasons_name_new_clauses_once():
    r = head(good(mat("SUGAR-1", "170199", "31")), "NOM(17, 30) | FROM(18)")[1]
    assert r.reason.startswith("no alternative is met: NOM(17, 30): non-originating")
    assert "NOM(17, 30) (" not in r.reason


def test_verdicts_with_new_nodes_are_deterministic():
    bom = good(CORE, PCB, _leaf("LEAF-A", "7", True), mat("SUGAR-1", "170199", "3"))
    rule = f'(CTH allow 8504 | ANY except 8534) & NOM(17, 30) & {TOBACCO} | NOM<=OM & SP(weaving)'
    a, b = verdict(bom, rule), verdict(bom, rule)
    assert a.model_dump(mode="json") == b.model_dump(mode="json")
    assert [c.node for c in a.criteria] == ["1", "1.1", "1.1.1", "1.1.1.1", "1.1.1.2", "1.1.2",
                                            "1.1.3", "1.2", "1.2.1", "1.2.2"]


# ------------------------------------------------------------------ a stored BOM keeps the new fields


def test_stored_bom_round_trips_processes_with_country_and_named_as(seeded):
    from graph.products import delete_product, read_product, store_bom

    fabric = Material(id="fabric", hs="600622", hs_version="HS2022", quantity=D(1), unit="m2",
                      value=D("3.20"), currency="USD", origin="CN",
                      named_as=("knitted fabric of cotton",),
                      processes=("knitting", {"process": "dyeing", "country": "VN"}))
    shirt = Product(sku="TEST-RULES-V2", hs="610910", hs_version="HS2022", producer="MY",
                    ex_works=D(9), fob=D(10), currency="USD", bom=(fabric,),
                    processes=("cut-or-knit-to-shape-and-assembled", "printing@TH"))
    store_bom(seeded, shirt)
    try:
        assert read_product(seeded, shirt.sku) == shirt
    finally:
        delete_product(seeded, shirt.sku)
