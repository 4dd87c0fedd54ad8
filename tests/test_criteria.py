"""Tests for engine.criteria: the PSR rule tree, its compact syntax and JSON storage."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from engine.criteria import (
    AllOf,
    AnyOf,
    MaxNom,
    RuleSyntaxError,
    Rvc,
    SpecificProcess,
    TariffShift,
    WhollyObtained,
    criterion_from_json,
    criterion_to_json,
    exception_matches,
    parse_rule,
    render_rule,
    uses_rvc,
)

CTH = TariffShift(level="heading")
CC = TariffShift(level="chapter")
CTSH = TariffShift(level="subheading")
WO = WhollyObtained()


# ------------------------------------------------------------------ every form


@pytest.mark.parametrize(
    "text, tree",
    [
        ("WO", WO),
        ("CC", CC),
        ("CTH", CTH),
        ("CTSH", CTSH),
        ("cth", CTH),
        ("  CTSH  ", CTSH),
        ("CTH except 7207", TariffShift(level="heading", exceptions=("7207",))),
        ("CTH except 7207, 7208-7212",
         TariffShift(level="heading", exceptions=("7207", "7208-7212"))),
        ("CTSH EXCEPT 72.07,7208.10 - 7208.90, 73",
         TariffShift(level="subheading", exceptions=("7207", "720810-720890", "73"))),
        ("RVC(40)", Rvc(threshold=Decimal(40))),
        ("RVC(42.5)", Rvc(threshold=Decimal("42.5"))),
        ("rvc( 40 , Build-Down )", Rvc(threshold=Decimal(40), method="build-down")),
        ("RVC(35, build-up)", Rvc(threshold=Decimal(35), method="build-up")),
        ("RVC(0)", Rvc(threshold=Decimal(0))),
        ("RVC(100)", Rvc(threshold=Decimal(100))),
        ("MaxNOM(50)", MaxNom(percent=Decimal(50))),
        ("maxnom(45.00)", MaxNom(percent=Decimal("45"))),
        ("SP(textile-dyeing)", SpecificProcess(process="textile-dyeing")),
        ("sp(Weaving)", SpecificProcess(process="weaving")),
    ],
)
def test_every_form(text, tree):
    assert parse_rule(text) == tree


def test_decimal_thresholds_are_decimals():
    c = parse_rule("RVC(42.5)")
    assert isinstance(c.threshold, Decimal) and c.threshold == Decimal("42.5")


# ------------------------------------------------------------------ precedence / grouping


def test_and_binds_tighter_than_or():
    assert parse_rule("CTH | RVC(40) & WO") == AnyOf(
        options=(CTH, AllOf(parts=(Rvc(threshold=Decimal(40)), WO)))
    )
    assert parse_rule("CTH & RVC(40) | WO") == AnyOf(
        options=(AllOf(parts=(CTH, Rvc(threshold=Decimal(40)))), WO)
    )


def test_parentheses_override_precedence():
    assert parse_rule("(CTH | RVC(40)) & WO") == AllOf(
        parts=(AnyOf(options=(CTH, Rvc(threshold=Decimal(40)))), WO)
    )


def test_except_list_ends_at_operators_and_paren():
    ex = TariffShift(level="heading", exceptions=("7207",))
    assert parse_rule("CTH except 7207 & WO") == AllOf(parts=(ex, WO))
    assert parse_rule("CTH except 7207|WO") == AnyOf(options=(ex, WO))
    assert parse_rule("(CTH except 7207) & WO") == AllOf(parts=(ex, WO))


def test_flattening_and_single_element_groups():
    flat = AnyOf(options=(CC, CTH, CTSH))
    assert parse_rule("CC | (CTH | CTSH)") == flat
    assert parse_rule("(CC | CTH) | CTSH") == flat
    assert parse_rule("WO & (CC & CTH)") == AllOf(parts=(WO, CC, CTH))
    assert parse_rule("((CTH))") == CTH
    # the models flatten too, so hand-built trees are canonical
    assert AnyOf(options=(CC, AnyOf(options=(CTH, CTSH)))) == flat


def test_groups_need_two_members():
    with pytest.raises(ValidationError):
        AllOf(parts=(CTH,))
    with pytest.raises(ValidationError):
        AnyOf(options=())


# ------------------------------------------------------------------ round trips

ROUND_TRIP = [
    "WO",
    "CC",
    "CTH",
    "CTSH",
    "CTH except 7207",
    "CTH except 7207, 7208-7212",
    "CC except 72, 7301-7302, 730110",
    "RVC(40)",
    "RVC(42.5, build-down)",
    "RVC(35, build-up)",
    "MaxNOM(50)",
    "SP(textile-dyeing)",
    "RVC(40) | CTH",
    "CTH except 7207 & RVC(40) | WO",
    "(CTH | RVC(40)) & SP(textile-dyeing)",
    "(CC | CTSH except 8541) & (RVC(35, build-up) | MaxNOM(50)) | WO",
    "WO | CC | CTH | CTSH",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_canonical_text_round_trips(text):
    tree = parse_rule(text)
    assert render_rule(tree) == text
    assert parse_rule(render_rule(tree)) == tree


@pytest.mark.parametrize(
    "messy, canonical",
    [
        ("cth EXCEPT 72.07 ,7208-7212", "CTH except 7207, 7208-7212"),
        ("rvc(40.0,BUILD-DOWN)", "RVC(40, build-down)"),
        ("((CTH))|(RVC(40))", "CTH | RVC(40)"),
        ("CC|(CTH|CTSH)", "CC | CTH | CTSH"),
        ("maxnom(50.50)&sp(Textile-Dyeing)", "MaxNOM(50.5) & SP(textile-dyeing)"),
    ],
)
def test_render_is_canonical(messy, canonical):
    assert render_rule(parse_rule(messy)) == canonical


def test_hand_built_tree_round_trips_with_or_inside_and():
    tree = AllOf(parts=(AnyOf(options=(CTH, WO)), Rvc(threshold=Decimal("40"))))
    assert render_rule(tree) == "(CTH | WO) & RVC(40)"
    assert parse_rule(render_rule(tree)) == tree


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_json_round_trip(text):
    tree = parse_rule(text)
    s = criterion_to_json(tree)
    assert criterion_from_json(s) == tree
    assert criterion_to_json(criterion_from_json(s)) == s  # stable


def test_json_shape_is_sorted_with_decimal_strings():
    s = criterion_to_json(parse_rule("RVC(42.5, build-down) | CTH except 7207"))
    assert s == (
        '{"kind":"OR","options":[{"kind":"RVC","method":"build-down","threshold":"42.5"},'
        '{"exceptions":["7207"],"kind":"CTC","level":"heading"}]}'
    )


def test_models_are_frozen_and_hashable():
    c = parse_rule("CTH | RVC(40)")
    with pytest.raises(ValidationError):
        c.options = ()
    assert hash(c) == hash(parse_rule("CTH|RVC(40.0)"))


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "text, position, fragment",
    [
        ("", 0, "expected a criterion"),
        ("   ", 3, "expected a criterion"),
        ("CTH | ", 6, "expected a criterion"),
        ("CTH &", 5, "expected a criterion"),
        ("FOO", 0, "unknown keyword 'FOO'"),
        ("CTH | CTX", 6, "unknown keyword 'CTX'"),
        ("(CTH | WO", 9, "expected ')'"),
        ("CTH)", 3, "expected '&', '|' or end of rule"),
        ("()", 1, "expected a criterion"),
        ("RVC", 3, "expected '('"),
        ("RVC()", 4, "expected a threshold"),
        ("MaxNOM( )", 8, "expected a threshold"),
        ("RVC(101)", 4, "0-100"),
        ("MaxNOM(100.5)", 7, "0-100"),
        ("RVC(-5)", 4, "expected a threshold"),
        ("RVC(40", 6, "expected ')'"),
        ("CTH except", 10, "expected an HS code"),
        ("CTH except 720", 11, "expected an HS code"),
        ("CTH except 7207, 72x", 19, "expected '&', '|' or end of rule"),
        ("CTH except 7207, abc", 17, "expected an HS code"),
        ("CTH except 7212-7208", 11, "expected an HS code"),
        ("CTH except 72-7212", 11, "expected an HS code"),
        ("CTH except 1234567", 11, "expected an HS code"),
        ("RVC(40, build-sideways)", 8, "expected a method"),
        ("RVC(40,)", 7, "expected a method"),
        ("SP()", 3, "expected a process name"),
        ("WO WO", 3, "expected '&', '|' or end of rule"),
        ("WO except 72", 3, "expected '&', '|' or end of rule"),
        ("except 72", 0, "'except' must follow"),
        ("CTH | RVC(40) extra", 14, "expected '&', '|' or end of rule"),
    ],
)
def test_syntax_errors(text, position, fragment):
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.text == text
    assert err.position == position
    assert fragment in str(err)
    assert f"at position {position} in {text!r}" in str(err)


def test_error_message_example_from_brief():
    with pytest.raises(RuleSyntaxError, match=r"^expected a criterion at position 6 in 'CTH \| '$"):
        parse_rule("CTH | ")


def test_models_validate_directly_built_values():
    with pytest.raises(ValidationError):
        Rvc(threshold=Decimal("101"))
    with pytest.raises(ValidationError):
        TariffShift(level="heading", exceptions=("720",))
    assert TariffShift(level="heading", exceptions=("72.07",)).exceptions == ("7207",)


# ------------------------------------------------------------------ exception matching


@pytest.mark.parametrize(
    "exceptions, code, expected",
    [
        (("7207",), "720711", True),
        (("7207",), "720811", False),
        (("72",), "721049", True),
        (("720711",), "720711", True),
        (("720711",), "720712", False),
        (("7208-7212",), "720810", True),  # lower bound inclusive
        (("7208-7212",), "721290", True),  # upper bound inclusive
        (("7208-7212",), "721011", True),
        (("7208-7212",), "720790", False),
        (("7208-7212",), "721310", False),
        (("50-55",), "530110", True),
        (("720810-720890",), "720891", False),
        (("7207", "7208-7212"), "7210.11", True),
        ((), "720711", False),
    ],
)
def test_exception_matches(exceptions, code, expected):
    assert exception_matches(exceptions, code) is expected


def test_exception_matches_with_parsed_rule():
    c = parse_rule("CTH except 72.07, 7208-7212")
    assert exception_matches(c.exceptions, "720890")
    assert not exception_matches(c.exceptions, "730890")


# ------------------------------------------------------------------ helpers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("RVC(40)", True),
        ("CTH | WO", False),
        ("MaxNOM(50)", False),
        ("(CTH | RVC(40, build-up)) & SP(weaving)", True),
        ("WO | CTH & SP(weaving)", False),
    ],
)
def test_uses_rvc(text, expected):
    assert uses_rvc(parse_rule(text)) is expected
