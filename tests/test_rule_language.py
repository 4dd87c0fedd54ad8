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
