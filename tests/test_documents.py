"""engine.documents: the fast readers (``json``, libyaml events) give exactly what the line-tracking
pure loader gives, values and lines; errors keep their lines; hostile documents are refused fast."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from engine.bom_input import BomError, parse_bom
from engine.documents import MAX_DEPTH, Located, _PureTextLoader, load_document, locate

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(p for pattern in ("examples/*.yaml", "seeds/data/**/*.yaml", "tests/fixtures/**/*.yaml",
                                     "tests/fixtures/**/*.json") for p in REPO.glob(pattern))
KNOWN = lambda version, code: True  # noqa: E731 - every HS code known: these tests are about reading


def reference(text: str):
    return yaml.load(text, Loader=_PureTextLoader)  # noqa: S506 - the pure, line-tracking reader


def same_tree(fast, slow, where: str) -> None:
    """Equal values, and for every mapping the same line and the same line per key."""
    if isinstance(slow, dict):
        assert isinstance(fast, Located), where
        assert list(fast) == list(slow), where
        assert (fast.line, dict(fast.lines)) == (slow.line, dict(slow.lines)), where
        for key in slow:
            same_tree(fast[key], slow[key], f"{where}.{key}")
    elif isinstance(slow, list):
        assert isinstance(fast, list) and len(fast) == len(slow), where
        for i, (a, b) in enumerate(zip(fast, slow)):
            same_tree(a, b, f"{where}[{i}]")
    else:
        assert type(fast) is type(slow) and fast == slow, where


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_fast_reading_is_the_line_tracking_reading(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        slow = reference(text)
    except yaml.YAMLError:
        pytest.skip("not YAML (JSON with tab indentation, which YAML refuses and json reads)")
    same_tree(load_document(text), slow, path.name)


def test_scalars_stay_text_in_yaml_and_json() -> None:
    yaml_doc = load_document("hs: 010121\ncountry: NO\nday: 2025-02-30\nn: 1.50\nflag: true\nnone: ~\nempty:\n")
    json_doc = load_document('{"hs": "010121", "country": "NO", "day": "2025-02-30", "n": 1.50, "flag": true,'
                             ' "none": null, "empty": null, "list": [false, 10, [true]]}')
    expected = {"hs": "010121", "country": "NO", "day": "2025-02-30", "n": "1.50", "flag": "true", "none": None,
                "empty": None}
    assert yaml_doc == expected
    assert json_doc == {**expected, "list": ["false", "10", ["true"]]}


def test_the_example_boms_read_the_same_as_yaml_and_as_json() -> None:
    text = (REPO / "examples" / "tshirt-my-au.yaml").read_text()
    from_yaml = parse_bom(text, "tshirt-my-au.yaml", KNOWN)
    as_json = json.dumps(json.loads(json.dumps(reference(text))), indent=2)
    assert parse_bom(as_json, "tshirt-my-au.json", KNOWN) == from_yaml
    assert from_yaml.product.sku == "TS-100" and from_yaml.product.hs == "610910"
    csv = parse_bom((REPO / "examples" / "tshirt-bom.csv").read_text(), "tshirt-bom.csv", KNOWN)
    assert csv.product.sku == from_yaml.product.sku


def test_json_lines_are_recovered_when_an_error_is_reported() -> None:
    text = ('{\n  "product": {\n    "sku": "X", "hs": "610910", "hs_version": "HS2022",\n'
            '    "producer": "MY", "ex_works": "9", "fob": "10", "currency": "USD"\n  },\n  "bom": [\n'
            '    {"id": "a", "hs": "520512", "hs_version": "HS2022", "quantity": "1", "unit": "kg",\n'
            '     "value": "-3", "currency": "USD"}\n  ]\n}\n')
    document = load_document(text)
    assert document["bom"][0]._origin is not None  # lines not read yet
    assert locate(document, ("bom", 0, "value")) == (8, "value")
    with pytest.raises(BomError) as error:
        parse_bom(text, "bad.json", KNOWN)
    assert str(error.value).startswith("bad.json:8: value:")


def test_yaml_errors_keep_their_line_and_wording() -> None:
    with pytest.raises(BomError, match=r"^bad\.yaml:3: not valid YAML/JSON"):
        parse_bom("product:\n  sku: X\n bom: [\n", "bad.yaml", KNOWN)
    with pytest.raises(yaml.MarkedYAMLError) as duplicate:
        load_document("a: 1\nb: 2\na: 3\n")
    assert duplicate.value.problem == "duplicate key 'a'" and duplicate.value.problem_mark.line == 2
    with pytest.raises(yaml.MarkedYAMLError) as json_duplicate:
        load_document('{"a": 1,\n "a": 2}')
    assert json_duplicate.value.problem == "duplicate key 'a'" and json_duplicate.value.problem_mark.line == 1


def test_an_alias_bomb_is_refused_at_its_first_anchor_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
              f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]" for i in range(8)]
    bomb = "product:\n  sku: X\n" + "\n".join(lines) + "\nbom: *i\n"
    started = time.perf_counter()
    with pytest.raises(BomError) as error:
        parse_bom(bomb, "bomb.yaml", KNOWN)
    assert time.perf_counter() - started < 1.0
    assert str(error.value) == "bomb.yaml:3: not valid YAML/JSON: anchors and aliases (&name, *name) are not allowed"
    with pytest.raises(yaml.MarkedYAMLError, match="anchors and aliases"):
        load_document("base: &b {x: 1}\nother:\n  <<: *b\n")


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "- " * 5_000 + "x\n",
                                  '{"a": ' * 500 + "1" + "}" * 500],
                         ids=["yaml-flow", "yaml-block", "json"])
def test_deep_nesting_is_refused(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(yaml.MarkedYAMLError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_document(text)
    assert time.perf_counter() - started < 2.0


def test_nesting_up_to_the_bound_is_read() -> None:
    assert load_document('{"a": ' * MAX_DEPTH + "1" + "}" * MAX_DEPTH) is not None
    assert load_document("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
