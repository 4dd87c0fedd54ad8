"""The rule-text compiler on real annex wordings (short excerpts of the UK Trade Tariff / OTT data)."""

from __future__ import annotations

import pytest

from engine.criteria import parse_rule, render_rule
from seeds.formats.rule_text import HEADING_LABEL, Compiled, RuleText, compile_rule_set, compile_text, plain_text

EXACT = [
    ("Manufacture from materials of any heading, except that of the product.", "CTH"),
    ("Production from non-originating materials of any sub-heading, except that of the product (CTSH)", "CTSH"),
    ("Manufacture in which all the materials used are classified within a heading other than that of the product.",
     "CTH"),
    ("Manufacture in which the value of all the materials used does not exceed 40% of the ex-works price of the "
     "product.", "MaxNOM(40)"),
    ("Manufacture in which the value of all the materials used does not exceed 70% of the ex- work price of the "
     "product.", "MaxNOM(70)"),
    ("Manufacture in which the value of all the materials used does not exceed 40 per cent of the ex-works price of "
     "the product", "MaxNOM(40)"),
    ("A maximum of 50% of the ex-works price (EXW) is made up of non-originating parts (MAXNOM).", "MaxNOM(50)"),
    ("Manufacture: - from materials of any heading, except that of the product, and - in which the value of all the "
     "materials used does not exceed 40% of the ex-works price of the product.", "CTH & MaxNOM(40)"),
    ("Manufacture in which: - the value of all the materials used does not exceed 40% of the ex-works price of the "
     "product, and - within the above limit, the value of all the materials of heading 8431 used does not exceed 10% "
     "of the ex-works price of the product.", "MaxNOM(40) & NOM(8431, 10)"),
    ("Manufacture in which: - the value of all the materials used does not exceed 40% of the ex-works price of the "
     "product, and - within the above limit, the value of all the materials of headings 8541 and 8542 used does not "
     "exceed 10% of the ex-works price of the product", "MaxNOM(40) & NOM(8541, 8542, 10)"),
    ("Manufacture in which: - the value of all the materials used does not exceed 40% of the ex-works price of the "
     "product, and - the value of all the non-originating materials used does not exceed the value of all the "
     "originating materials used.", "MaxNOM(40) & NOM<=OM"),
    ("Manufacture from materials of any heading, except that of the product. However, materials of the same heading "
     "as the product may be used, provided that their total value does not exceed 20% of the ex-works price of the "
     "product.", "CTH allow @heading & NOM(@heading, 20)"),
    ("Manufacture in which all the materials used are classified within a heading other than that of the product. "
     "However, materials classified within the same heading may be used provided their value does not exceed 20% of "
     "the ex-works price of the product.", "CTH allow @heading & NOM(@heading, 20)"),
    ("Manufacture from materials of any heading, except that of the product. However, handles of base metal may be "
     "used", 'CTH allow "handles of base metal"'),
    ("Manufacture from materials of any heading, except that of the product. However, waste and scrap of heading "
     "7802 may not be used", 'CTH except "waste and scrap of heading 7802"'),
    ("Manufacture from materials of any heading, except that of the product and of heading 8529.", "CTH except 8529"),
    ("Manufacture from materials of any heading.", "ANY"),
    ("Manufacture from materials of any heading, except those of heading 7106, heading 7108 and heading 7110.",
     "ANY except 7106, 7108, 7110"),
    ("Manufacture from materials of any heading, except headings 4104 to 4113", "ANY except 4104-4113"),
    ("Manufacture from materials of any heading, except from assemblies of uppers affixed to inner soles or to other "
     "sole components of heading 6406.",
     'ANY except "assemblies of uppers affixed to inner soles or to other sole components of heading 6406"'),
    ("Manufacture from materials not classified within heading 7106, heading 7108 or heading 7110.",
     "ANY except 7106, 7108, 7110"),
    ("Manufacture from materials of any heading. However, the value of all the materials of heading 2909 used must "
     "not exceed 20% of the ex-works price of the product.", "ANY & NOM(2909, 20)"),
    ("Manufacture from yarn.", 'FROM("yarn")'),
    ("Manufacture from materials of heading 7206.", "FROM(7206)"),
    ("Manufacture from materials of heading 7206, heading 7207 , 7218 or heading 7224", "FROM(7206, 7207, 7218, 7224)"),
    ("Manufacture from ingots or other primary forms of heading 7218.",
     'FROM("ingots or other primary forms of heading 7218")'),
    ("Manufacture from: - natural fibres, - man-made staple fibres, not carded or combed or otherwise processed for "
     "spinning, or - chemical materials or textile pulp.",
     'FROM("natural fibres", "man-made staple fibres, not carded or combed or otherwise processed for spinning", '
     '"chemical materials or textile pulp")'),
    ("Manufacture from unembroidered fabric, provided that the value of the unembroidered fabric used does not exceed "
     "40% of the ex-works price of the product.", 'FROM("unembroidered fabric") & NOM("unembroidered fabric", 40)'),
    ("Manufacture in which all the materials of chapter 3 used are wholly obtained.", "WO(03)"),
    ("Manufacture in which all the materials of chapter 2 and chapter 3 used are wholly obtained.", "WO(02, 03)"),
    ("Manufacture in which all the fruit, nuts or vegetables used are wholly obtained.",
     'WO("fruit, nuts or vegetables")'),
    ("Manufacture in which at least 70% by weight of the unmanufactured tobacco or tobacco refuse of heading 2401 "
     "used is originating.", 'ORIG("unmanufactured tobacco or tobacco refuse of heading 2401", 70, weight)'),
    ("Weaving combined with dyeing", "SP(weaving) & SP(dyeing)"),
    ("Weaving accompanied by dyeing or by coating.", "SP(weaving) & (SP(dyeing) | SP(coating))"),
    ("Spinning of natural or man-made staple fibres or extrusion of man-made filament yarn, in each case accompanied "
     "by weaving.",
     "(SP(spinning-natural-fibres) | SP(spinning-man-made-staple-fibres) | SP(extrusion-man-made-filament-yarn)) "
     "& SP(weaving)"),
    ("A chemical reaction, purification, mixing and blending, production of standard materials, a change in particle "
     "size, isomer separation, or biotechnological processing is undergone.",
     "SP(chemical-reaction) | SP(purification) | SP(mixing-and-blending) | SP(production-of-standard-materials) | "
     "SP(change-in-particle-size) | SP(isomer-separation) | SP(biotechnological-processing)"),
    ("Printing accompanied by at least two preparatory or finishing operations (such as scouring, bleaching, "
     "mercerising, heat setting, raising, calendering, shrink resistance processing, permanent finishing, decatising, "
     "impregnating, mending and burling), provided that the value of the unprinted fabric used does not exceed 47.5% "
     "of the ex-works price of the product.",
     'SP(printing-with-two-preparatory-or-finishing-operations) & NOM("unprinted fabric", 47.5)'),
    ("Operations of refining and/or one or more specific process(es)", "SP(refining) | SP(specific-process-petroleum)"),
    ("Retreading of used tyres.", "SP(retreading-of-used-tyres)"),
    ("Extrusion of man-made fibres accompanied by spinning or spinning of natural fibres.",
     "SP(extrusion-man-made-fibres) & SP(spinning) | SP(spinning-natural-fibres)"),
    ("Manufacture by thermal or electrolytic treatment from unalloyed aluminium or waste and scrap of aluminium.",
     'SP(electrolytic-or-thermal-treatment) & FROM("unalloyed aluminium or waste and scrap of aluminium")'),
    ("Manufacture from materials of any heading, except heading 3203, heading 3204 and heading 3205. However, "
     "materials of heading 3205 may be used, provided that their total value does not exceed 20% of the ex-works "
     "price of the product.", "ANY except 3203, 3204 & NOM(3205, 20)"),
    ("A change from any other chapter, provided that the product is both cut (or knit to shape) and sewn or otherwise "
     "assembled in the territory of a Party.", "CC & SP(cut-or-knit-to-shape-and-assembled)"),
    ("A change from within this heading or any other heading.", "ANY"),
    ("Manufacture from materials of any heading, except those of heading 0203, heading 0206 or heading 0207 or bones "
     "of heading 0506.", 'ANY except 0203, 0206, 0207, "bones of heading 0506"'),
    ("Manufacture from materials of any heading, except: - hydrogenated oils having the character of waxes of heading "
     "1516, - fatty acids not chemically defined or industrial fatty alcohols having the character of waxes of heading "
     "3823, and - materials of heading 3404. However, these materials may be used, provided that their total value "
     "does not exceed 20% of the ex-works price of the product.",
     'ANY & NOM("hydrogenated oils having the character of waxes of heading 1516", "fatty acids not chemically '
     'defined or industrial fatty alcohols having the character of waxes of heading 3823", 3404, 20)'),
    ("Manufacture in which all the materials used are classified within a heading other than heading 3701 or heading "
     "3702. However, materials from heading 3702 may be used provided their value does not exceed 30% of the ex-works "
     "price of the product.", "ANY except 3701 & NOM(3702, 30)"),
    ("Manufacture: - in which the value of all the materials used does not exceed 40% of the ex-works price of the "
     "product - where, within the above limit, the materials classified within heading 8541 or heading 8542, taken "
     "together, are only used up to a value of 10% of the ex-works price of the product.",
     "MaxNOM(40) & NOM(8541, 8542, 10)"),
    ("Manufacture from materials of heading 7201, heading 7202, heading 7203, heading 7204, heading 7205 or 721810.",
     "FROM(7201, 7202, 7203, 7204, 7205, 721810)"),
    ("Manufacture from: natural fibres, man-made staple fibres, not carded or combed or otherwise processed for "
     "spinning, or chemical materials or textile pulp",
     'FROM("natural fibres", "man-made staple fibres, not carded or combed or otherwise processed for spinning", '
     '"chemical materials or textile pulp")'),
    ("Manufacture: - from materials of any heading, except that of the product, - in which the value of all the "
     "materials of chapter 17 used does not exceed 30% of the ex-works price of the product, and - in which all the "
     "fruit juice used (except that of pineapple, lime or grapefruit) is originating.",
     'CTH & NOM(17, 30) & ORIG("fruit juice (except that of pineapple, lime or grapefruit)")'),
    ("Manufacture in which the value of all the materials of chapter 39 used does not exceed 20% of the ex-works price "
     "of the product and / or manufacture from polycarbonate of tetrabromo-(bisphenol A).",
     'NOM(39, 20) | FROM("polycarbonate of tetrabromo-(bisphenol A)")'),
    ("Manufacture in which all the materials used must already be originating.", "ORIG(*)"),
    ("Manufacture in which all the materials of chapter 10 and chapter 11 , headings 0701, 071410 and 2303, and "
     "sub-heading 071010 used are wholly obtained.", "WO(10, 11, 0701, 071410, 2303, 071010)"),
    ("Specific process(es). See Introductory Note 9.", "SP(specific-process-chemical-note-9)"),
    ("The operation of diffusion, in which integrated circuits are formed on a semi-conductor substrate by the "
     "selective introduction of an appropriate dopant, whether or not assembled and&nbsp;/&nbsp;or tested in a "
     "non-party.", "SP(diffusion-integrated-circuits)"),
    ("Making-up including cutting of fabric, provided that the value of non-originating materials used does not "
     "exceed 50% of the ex-works price (EXW) or 45% of the Free on Board (FOB) cost of the product.",
     "SP(making-up) & (MaxNOM(50) | MaxNOM(45, fob))"),
    ("CTH: All non-originating materials used in the production of the good have undergone a change in tariff "
     "classification at the 4-digit level (tariff heading).", "CTH"),
    ("A change from any other chapter, except from chapter 2 or chapter 3.", "CC except 02, 03"),
    ("The good has a Regional Value Content (RVC) as calculated under Article 4 of the Origin Reference Document of "
     "not less than 40%, whether using the build-up method or build-down method (RVC40).",
     "RVC(40, build-down) | RVC(40, build-up)"),
    ("Manufacture from materials of any heading, except that of the good or Manufacture in which the value of all the "
     "materials used does not exceed 70% of the ex-works price of the good.", "CTH | MaxNOM(70)"),
]


@pytest.mark.parametrize(("text", "rule"), EXACT)
def test_wording_compiles_exactly_and_canonically(text: str, rule: str) -> None:
    compiled = compile_text(text)
    assert (compiled.rule, compiled.reason) == (rule, None)
    assert render_rule(parse_rule(compiled.rule)) == compiled.rule


def test_introductory_note_reference_is_a_note_not_part_of_the_rule() -> None:
    compiled = compile_text("Manufacture from yarn. For special conditions relating to products made of a mixture of "
                            "textile materials, see Introductory Note 5.")
    assert compiled.rule == 'FROM("yarn")'
    assert compiled.notes == ("refers to Introductory Note 5 (not evaluated)",)


def test_footnote_numbers_run_into_the_last_word_become_notes() -> None:
    compiled = compile_text("Manufacture from yarn7 9")
    assert compiled.rule == 'FROM("yarn")'
    assert [n.split(" of ")[0] for n in compiled.notes] == ["refers to footnote 7", "refers to footnote 9"]


def test_rvc_without_a_named_method_leaves_it_to_the_instrument_and_says_so() -> None:
    compiled = compile_text("Your goods contain a Regional Value Content (RVC) of at least 55% of the Free on Board "
                            "(FOB) cost of the goods.")
    assert compiled.rule == "RVC(55)"
    assert any("default" in n for n in compiled.notes)


@pytest.mark.parametrize(("text", "reason"), [
    ("Twisting or any mechanical operation combined with weaving.",
     "process alternatives whose grouping the wording leaves open"),
    ("A maximum of 55% of the ex-works price (EXW) is made up of non-originating parts (MAXNOM) (1st Jan 2021 to "
     "31st Dec 2024).", "rule valid for a period stated in the text"),
    ("Each item in the set must satisfy the rule which would apply to it if it were not included in the set. However, "
     "non-originating articles may be incorporated, provided that their total value does not exceed 15% of the "
     "ex-works price of the set", "rule for sets"),
    ("Manufacture from materials of any heading, except that of the product, in which the weight of sugar used does "
     "not exceed 40% of the weight of the final product.", "condition wording not in a translated form"),
    ("Manufacture from materials of any heading, including other materials of heading 3002. The materials of this "
     "description may also be used, provided their value does not exceed 20% of the ex-works price of the product",
     "permission referring to 'this description'"),
    ("Manufacture from highly-transparent polyester-foils with a thickness of less than 23 micron18",
     "footnote marks in the rule text"),
    ("Manufacture from: uncoloured slivers, rovings, yarn or chopped strands, or glass wool.",
     "list of materials in prose without list markers"),
    ("Manufacture in which all the materials of heading ex 0713 used are wholly obtained.",
     "material codes that do not parse"),
    ("A change from within this heading, whether or not there is also a change from any other heading, provided that "
     "the value of non-originating materials of this heading does not exceed 50% of the transaction value or ex-works "
     "price of the product.",
     "value limit on 'the transaction value or ex-works price' (no single basis in the rule syntax)"),
    ("A change to a good knit to shape, for which no sewing or other assembly is required, from any other chapter.",
     "change of classification for goods described in prose"),
    ("CTSH: All non-originating materials used in the production of the good have undergone a change in tariff "
     "classification at the 6-digit level (tariff subheading) and Standard QVC.",
     "qualifying value content (QVC) on an ex-works basis"),
    ("", "empty rule text"),
])
def test_wording_without_an_exact_form_stays_text_with_its_reason(text: str, reason: str) -> None:
    assert compile_text(text) == Compiled(None, reason)


CTH = "Manufacture from materials of any heading, except that of the product."
MAXNOM_40 = ("Manufacture in which the value of all the materials used does not exceed 40% of the ex-works price of the "
             "product.")


def test_rule_set_alternatives_stated_with_or() -> None:
    assert compile_rule_set([RuleText(CTH), RuleText(MAXNOM_40, "or")]).rule == "CTH | MaxNOM(40)"


def test_rule_set_enumeration_a_b_or_c_is_alternatives() -> None:
    # EU-Japan EPA 8401-8406 "CTH; MaxNOM 50 % (EXW); or RVC 55 % (FOB)" as the UK data holds it
    rules = [RuleText("CTH: All non-originating materials used in the production of the good have undergone a change "
                      "in tariff classification at the 4-digit level (tariff heading)."),
             RuleText("A maximum of 50% of the ex-works price (EXW) is made up of non-originating parts (MAXNOM)."),
             RuleText("Your goods contain a Regional Value Content (RVC) of at least 55% of the Free on Board (FOB) "
                      "cost of the goods.", "or")]
    assert compile_rule_set(rules).rule == "CTH | MaxNOM(50) | RVC(55)"


def test_rule_set_without_operators_is_alternatives_and_says_so() -> None:
    # new-zealand.json carries no operator at all; the publisher's wizard offers each rule as one way to qualify
    rules = [RuleText("CTH: All non-originating materials used in the production of the good have undergone a change "
                      "in tariff classification at the 4-digit level (tariff heading)."),
             RuleText("The good has a Regional Value Content (RVC) as calculated under Article 4 of the Origin "
                      "Reference Document of not less than 40%, whether using the build-up method or build-down method "
                      "(RVC40).")]
    compiled = compile_rule_set(rules)
    assert compiled.rule == "CTH | RVC(40, build-down) | RVC(40, build-up)"
    assert any("taken as alternatives" in n for n in compiled.notes)


def test_rule_set_mixing_operators_stays_text() -> None:
    rules = [RuleText(CTH), RuleText(MAXNOM_40, "or"), RuleText(CTH, None), RuleText(MAXNOM_40, "and")]
    assert compile_rule_set(rules) == Compiled(None, "rules listed without an operator between them")


def test_rule_set_alternatives_for_different_goods_stay_text() -> None:
    rules = [RuleText("A change to a good of heading 0201 from any other chapter."),
             RuleText("A change to a good of heading 0202 from any other heading.", "or")]
    assert compile_rule_set(rules) == Compiled(None, "alternatives for different goods of the rule set")


def test_rule_set_however_continuation_is_rejoined() -> None:
    rules = [RuleText("CTH: All non-originating materials used in the production of the good have undergone a change "
                      "in tariff classification at the 4-digit level (tariff heading)."),
             RuleText("However, non-originating mustard flour or meal or prepared mustard may be used.")]
    assert compile_rule_set(rules).rule == 'CTH allow "mustard flour or meal or prepared mustard"'


def test_rule_set_and_operator_is_conjunction() -> None:
    assert compile_rule_set([RuleText(CTH), RuleText(MAXNOM_40, "and")]).rule == "CTH & MaxNOM(40)"


def test_heading_label_row() -> None:
    assert compile_rule_set([RuleText("")]) == Compiled(None, HEADING_LABEL)


def test_gsp_rules_by_beneficiary_group_stay_text() -> None:
    rules = [RuleText("(a) LDCs Weaving"), RuleText("(b) Other beneficiary countries Spinning of natural fibres")]
    assert compile_rule_set(rules).reason == "rules that differ by beneficiary group (LDCs / other beneficiary countries)"


def test_plain_text_strips_markdown_and_entities() -> None:
    assert plain_text("<abbr title='Change of tariff chapter'>CC</abbr>: from [chapter&nbsp;1](/chapters/01) **x**") \
        == "CC: from chapter 1 x"


# --------------------------------------------------------------------------- CPTPP (UK Trade Tariff wording)

NO_CHANGE_8504 = ("No change in tariff classification required for a good of [heading&nbsp;8504](/headings/8504), "
                  "provided there is a regional value content of not less than:\n\n \n\n- a) **30%** under the "
                  "build-up method.")


@pytest.mark.parametrize("text, rule", [
    ("A change to a good of heading 6101 to heading 6109 from any other chapter, except from heading 5106 to heading "
     "5113, heading 5204 to heading 5212 or 5401 to 5402, subheading 540333 through 540339 or 540342 through 540349, "
     "or heading 5404 to heading 5408, heading 5508 to heading 5516, 5606 or 6001 to 6006, provided the good is cut "
     "or knit to shape, or both, and sewn or otherwise assembled in the territory of one or more of the Parties.",
     "CC except 5106-5113, 5204-5212, 5401-5402, 540333-540339, 540342-540349, 5404-5408, 5508-5516, 5606, 6001-6006 "
     "& SP(cut-or-knit-to-shape-and-assembled)"),
    ("No change in tariff classification required for a good of subheading 151529 through 151550, provided there is "
     "a regional value content of not less than 40% under the build-down method.", "ANY & RVC(40, build-down)"),
    ("A change to a good of heading 6403 from any other heading, except from heading 6401 to heading 6402 or heading "
     "6404 to heading 6405, subheading 640610 or assemblies of uppers other than of wood of subheading 640690 "
     "provided there is a regional value content of not less than: - a) 45% under the build-up method. - b) 55% "
     "under the build-down method.",
     'CTH except 6401-6402, 6404-6405, 640610, "assemblies of uppers other than of wood of subheading 640690" '
     "& (RVC(45, build-up) | RVC(55, build-down))"),
    ("No change in tariff classification required for a good of subheading 030611 through 030614, provided that the "
     "good is smoked from a good that is not smoked.", "ANY & SP(smoking)"),
])
def test_cptpp_wordings(text: str, rule: str) -> None:
    assert compile_text(text).rule == rule


def test_cptpp_rvc_list_parts_are_rejoined_as_alternatives() -> None:
    rules = [RuleText("A change to a good of [heading&nbsp;8504](/headings/8504) from any other heading."),
             RuleText(NO_CHANGE_8504, "or"), RuleText("- b) **40%** under the build-down method.", "or")]
    compiled = compile_rule_set(rules, scope="8504")
    assert compiled.rule == "CTH | ANY & (RVC(30, build-up) | RVC(40, build-down))"
    assert render_rule(parse_rule(compiled.rule)) == compiled.rule


@pytest.mark.parametrize("method, reason", [
    ("focused value method taking into account only the non-originating materials of heading 8504",
     "regional value content under the focused value method"),
    ("net cost method", "regional value content under the net cost method (not in the rule syntax)"),
])
def test_cptpp_alternative_outside_the_grammar_keeps_the_rule_set_text(method: str, reason: str) -> None:
    """An alternative the rule syntax cannot say is never dropped: the whole rule set stays text."""
    rules = [RuleText("A change to a good of heading 8504 from any other heading."),
             RuleText(NO_CHANGE_8504, "or"), RuleText("- b) **40%** under the build-down method.", "or"),
             RuleText(f"- c) **50%** under the {method}.", "or")]
    assert compile_rule_set(rules) == Compiled(None, reason)


def test_cptpp_goods_named_must_cover_the_annex_line() -> None:
    rules = [RuleText("A change to a good of heading 8504 from any other heading.")]
    assert compile_rule_set(rules, scope="8504").rule == "CTH"
    assert compile_rule_set(rules, scope="850440").rule == "CTH"
    assert compile_rule_set(rules, scope="8504-8505").reason == \
        "the rule names goods that do not cover the annex line it is listed for"


@pytest.mark.parametrize("text, rule", [
    ("Production from non-originating materials of any heading, except that of the product (CTH) and except from "
     "headings 72.08 to 72.17.", "CTH except 7208-7217"),
    ("Production from non-originating materials of any chapter, except that of the product (CC) and except from "
     "chapter 14.", "CC except 14"),
    ("CTH: All non-originating materials used in the production of the good have undergone a change in tariff "
     "classification at the 4-digit level (tariff heading) except from heading 6401 to heading 6405 and from "
     "assemblies of uppers affixed to inner soles of subheading 640690 and A maximum of 50% of the ex-works price "
     "(EXW) is made up of non-originating parts (MAXNOM).",
     'CTH except 6401-6405, "assemblies of uppers affixed to inner soles of subheading 640690" & MaxNOM(50)'),
    ("Knitting and making-up in one operation.", "SP(knitting-and-making-up-in-one-operation)"),
    ("Production in which the value of all non-originating materials used does not exceed 45% of the ex-works price "
     "of the product (MaxNOM 45% (EXW))", "MaxNOM(45)"),
])
def test_eu_japan_wordings(text: str, rule: str) -> None:
    assert compile_text(text).rule == rule


# --------------------------------------------------------------------------- compact notation of official tables

@pytest.mark.parametrize("cell, rule", [
    ("CTH", "CTH"), ("CC", "CC"), ("CTSH", "CTSH"), ("WO", "WO"),
    ("RVC40", "RVC(40)"), ("RVC 40%", "RVC(40)"), ("RVC(40)", "RVC(40)"), ("RVC(40%)", "RVC(40)"),
    ("RVC40 or CTH", "RVC(40) | CTH"), ("RVC 40% or CTSH", "RVC(40) | CTSH"), ("CTH or RVC40", "CTH | RVC(40)"),
    ("CC except from Chapter 50", "CC except 50"), ("RVC40 and CTSH", "RVC(40) & CTSH"),
    ("CTH or RVC40 and CTSH", "CTH | RVC(40) & CTSH"),  # '&' binds tighter, as in the annexes
    ("(CTH or RVC40) and CTSH", "(CTH | RVC(40)) & CTSH"),
    ("CTH except from heading 5204 or RVC40", "CTH except 5204 | RVC(40)"),
    ("CC except from Chapters 50 to 63 and RVC 40%", "CC except 50-63 & RVC(40)"),
])
def test_compact_annex_notation(cell: str, rule: str) -> None:
    compiled = compile_text(cell)
    assert compiled.rule == rule
    assert render_rule(parse_rule(compiled.rule)) == rule
    assert ("RVC" in rule) == any("instrument's default applies" in n for n in compiled.notes)


@pytest.mark.parametrize("cell, reason", [
    ("CTH CTSH", "compact annex notation that does not form a rule"),
    ("or CTH", "compact annex notation that does not form a rule"),
    ("CTH except from cotton or RVC40", "compact annex notation with an exception that is not a list of codes"),
])
def test_compact_notation_that_is_not_a_rule_stays_text(cell: str, reason: str) -> None:
    assert compile_text(cell) == Compiled(None, reason)
