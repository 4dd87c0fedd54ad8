"""BOM documents from text: JSON, YAML and flat CSV, and every rejection with its line."""

from datetime import date
from decimal import Decimal as D

import pytest

from engine import Evaluation, Instrument, parse_rule
from engine.evaluate import evaluate
from engine.bom_input import BomError, parse_bom

KNOWN = {("HS2022", c) for c in ("850440", "850490", "853400", "853710", "761699",
                                 "010121")} | {("HS2017", "854140")}

YAML = """\
product:
  sku: PSU-1
  description: power supply
  hs: "850440"
  hs_version: HS2022
  producer: MY
  ex_works: 90
  fob: 100.50
  currency: USD
bom:
  - id: pcb-assembly
    hs: "853710"
    hs_version: HS2022
    quantity: 1
    unit: pc
    value: 25
    currency: USD
    origin: MY
    components:
      - id: bare-board
        hs: 853400
        hs_version: HS2022
        quantity: 1
        unit: pc
        value: 12
        currency: USD
        origin: "NO"
  - id: casing
    hs: 761699
    hs_version: HS2022
    quantity: 1
    unit: pc
    value: 15
    currency: USD
    origin: MY
    declaration:
      instrument: ATIGA
      country: MY
      valid_from: 2025-01-01
      valid_until: 2025-12-31
shipment:
  exporter: MY
  importer: PH
  date: 2025-06-01
  legs:
    - {country: SG, operations: [unloading, reloading], customs_control: true}
"""


def yaml_with(old, new):
    assert old in YAML
    return YAML.replace(old, new, 1)


def reject(text, filename):
    with pytest.raises(BomError) as info:
        parse_bom(text, filename, KNOWN)
    return info.value


# --------------------------------------------------------------------------- YAML / JSON


def test_yaml_document_parses_into_models():
    doc = parse_bom(YAML, "bom.yaml", KNOWN)
    p = doc.product
    assert (p.sku, p.hs, p.fob, p.ex_works) == ("PSU-1", "850440", D("100.50"), D(90))
    assert p.bom[0].components[0].hs == "853400"
    assert p.bom[0].components[0].origin == "NO"  # Norway, not false
    assert p.bom[1].declaration.valid_until == date(2025, 12, 31)
    assert doc.shipment.legs[0].customs_control is True


def test_a_parsed_document_evaluates():
    doc = parse_bom(YAML, "bom.yaml", KNOWN)
    atiga = Instrument(code="ATIGA", agreement="ATIGA", parties=("MY", "PH", "SG"),
                       general_rule=parse_rule("RVC(40) | CTH"))
    v = evaluate(Evaluation(product=doc.product, shipment=doc.shipment, instrument=atiga))
    assert v.originating and v.intermediates[0].subject == "pcb-assembly"


def test_json_is_read_with_lines_too():
    text = """{
  "product": {"sku": "P", "hs": "850440", "hs_version": "HS2022", "producer": "MY",
              "ex_works": 90, "fob": 100, "currency": "USD"},
  "bom": [
    {"id": "a", "hs": "853400", "hs_version": "HS2022", "quantity": 1, "unit": "pc",
     "value": -3, "currency": "USD"}
  ]
}"""
    err = reject(text, "bom.json")
    assert (err.line, err.field) == (6, "value")
    assert str(err).startswith("bom.json:6: value: ")


def test_yaml_hs_code_with_leading_zero_is_not_octal():
    text = yaml_with('hs: 761699', 'hs: 010121')
    assert parse_bom(text, "bom.yaml", KNOWN).product.bom[1].hs == "010121"


def test_yaml_cycle_is_named():
    text = yaml_with("      - id: bare-board", "      - id: pcb-assembly")
    err = reject(text, "bom.yaml")
    assert (err.line, err.field) == (20, "id")
    assert err.message == "cycle: pcb-assembly -> pcb-assembly"


def test_yaml_negative_value():
    err = reject(yaml_with("value: 15", "value: -15"), "bom.yaml")
    assert (err.line, err.field) == (33, "value")
    assert "greater than or equal to 0" in err.message


def test_yaml_missing_value_and_quantity():
    err = reject(yaml_with("    value: 15\n", ""), "bom.yaml")
    assert (err.line, err.field, err.message) == (28, "value", "required")
    err = reject(yaml_with("        quantity: 1\n", ""), "bom.yaml")
    assert (err.line, err.field, err.message) == (20, "quantity", "required")


def test_yaml_unknown_hs_code():
    err = reject(yaml_with("hs: 853400", "hs: 853499"), "bom.yaml")
    assert (err.line, err.field, err.message) == (21, "hs", "unknown HS code 853499 in HS2022")


def test_yaml_bad_date():
    err = reject(yaml_with("valid_until: 2025-12-31", "valid_until: 2025-02-30"), "bom.yaml")
    assert (err.line, err.field) == (40, "valid_until")


def test_yaml_unknown_field():
    err = reject(yaml_with("    unit: pc\n    value: 15", "    unit: pc\n    colour: red\n"
                                                         "    value: 15"), "bom.yaml")
    assert (err.line, err.field, err.message) == (33, "colour", "unknown field")


def test_the_first_problem_by_line_is_reported():
    text = yaml_with("value: 15", "value: -15").replace("hs: 853400", "hs: 853499")
    assert reject(text, "bom.yaml").line == 21


def test_malformed_yaml():
    err = reject("product: [\n  sku: x\n", "bom.yml")
    assert err.line >= 2 and "not valid YAML" in err.message


# --------------------------------------------------------------------------- CSV

HEADER = ("parent,component,description,hs,hs_version,quantity,unit,value,currency,origin,"
          "declaration_instrument,declaration_valid_from,declaration_valid_until,fob\n")
ROWS = [
    ",PSU-1,power supply,850440,HS2022,1,pc,90,USD,MY,,,,100",
    "PSU-1,pcb-assembly,assembled board,853710,HS2022,1,pc,25,USD,MY,,,,",
    "pcb-assembly,bare-board,bare board,853400,HS2022,1,pc,12,USD,CN,,,,",
    "PSU-1,casing,aluminium casing,761699,HS2022,1,pc,15,USD,MY,ATIGA,2025-01-01,2025-12-31,",
    "PSU-1,core,transformer core,850490,HS2022,2,pc,8,USD,CN,,,,",
]


def csv_text(*rows, header=HEADER):
    return header + "\n".join(rows) + "\n"


def test_csv_builds_the_tree():
    doc = parse_bom(csv_text(*ROWS), "bom.csv", KNOWN)
    p = doc.product
    assert (p.sku, p.producer, p.ex_works, p.fob) == ("PSU-1", "MY", D(90), D(100))
    assert [m.id for m in p.bom] == ["pcb-assembly", "casing", "core"]
    assert p.bom[0].components[0].id == "bare-board"
    assert p.bom[1].declaration.country == "MY" and p.bom[1].declaration.instrument == "ATIGA"
    assert doc.shipment is None


def test_csv_cycle_names_the_path_and_line():
    err = reject(csv_text(*ROWS, "bare-board,pcb-assembly,loop,853710,HS2022,1,pc,1,USD,MY,,,,"),
                 "bom.csv")
    assert (err.line, err.field) == (7, "component")
    assert err.message == "cycle: pcb-assembly -> bare-board -> pcb-assembly"


def test_csv_negative_value():
    rows = list(ROWS)
    rows[4] = rows[4].replace(",8,USD", ",-8,USD")
    err = reject(csv_text(*rows), "bom.csv")
    assert (err.line, err.field) == (6, "value") and "greater than or equal" in err.message


def test_csv_missing_value_and_quantity():
    rows = list(ROWS)
    rows[2] = rows[2].replace(",12,USD", ",,USD")
    assert (reject(csv_text(*rows), "bom.csv").line, reject(csv_text(*rows), "bom.csv").field) \
        == (4, "value")
    rows = list(ROWS)
    rows[4] = rows[4].replace(",2,pc", ",,pc")
    err = reject(csv_text(*rows), "bom.csv")
    assert (err.line, err.field, err.message) == (6, "quantity", "required")


def test_csv_unknown_hs_code():
    rows = list(ROWS)
    rows[3] = rows[3].replace("761699", "761698")
    err = reject(csv_text(*rows), "bom.csv")
    assert (err.line, err.field, err.message) == (5, "hs", "unknown HS code 761698 in HS2022")


def test_csv_bad_date():
    rows = list(ROWS)
    rows[3] = rows[3].replace("2025-12-31", "2025-13-01")
    err = reject(csv_text(*rows), "bom.csv")
    assert (err.line, err.field) == (5, "declaration_valid_until")
    assert str(err).startswith("bom.csv:5: declaration_valid_until: ")


def test_csv_unknown_column():
    err = reject(csv_text(*ROWS, header=HEADER.replace(",fob", ",fob,colour")), "bom.csv")
    assert (err.line, err.field, err.message) == (1, "colour", "unknown column")


def test_csv_unknown_parent_and_second_product_row():
    err = reject(csv_text(*ROWS, "housing,screw,screw,731815,HS2022,4,pc,1,USD,CN,,,,"),
                 "bom.csv")
    assert (err.line, err.field) == (7, "parent")
    err = reject(csv_text(*ROWS, ",PSU-2,other,850440,HS2022,1,pc,9,USD,MY,,,,10"), "bom.csv")
    assert (err.line, err.field) == (7, "parent")


def test_known_codes_may_be_a_predicate():
    doc = parse_bom(csv_text(*ROWS), "bom.csv", lambda version, code: version == "HS2022")
    assert len(doc.product.bom) == 3


# --------------------------------------------------------------------------- processes, named_as


def test_yaml_processes_with_country_and_named_as():
    text = yaml_with("  currency: USD\nbom:", "  currency: USD\n  processes: [Weaving, {process: dyeing,"
                                             " country: VN}, printing@TH]\nbom:")
    text = text.replace("    origin: \"NO\"\n", "    origin: \"NO\"\n        named_as: [\"bare  boards\","
                                                " circuit boards]\n")
    p = parse_bom(text, "bom.yaml", KNOWN).product
    assert [(s.process, s.country) for s in p.processes] == [("weaving", None), ("dyeing", "VN"),
                                                              ("printing", "TH")]
    assert p.bom[0].components[0].named_as == ("bare boards", "circuit boards")
    assert p.model_dump(mode="json")["processes"] == ["weaving", {"process": "dyeing", "country": "VN"},
                                                      {"process": "printing", "country": "TH"}]


def test_yaml_unknown_process_is_an_error_on_its_line():
    text = yaml_with("    origin: MY\n    declaration:", "    origin: MY\n    processes: [weavng]\n"
                                                        "    declaration:")
    err = reject(text, "bom.yaml")
    assert (err.line, err.field) == (36, "processes")
    assert err.message.startswith("unknown process 'weavng'") and "weaving" in err.message
    text = yaml_with("    origin: MY\n    declaration:", "    origin: MY\n    processes:\n"
                                                        "      - {process: dyeng, country: VN}\n"
                                                        "    declaration:")
    err = reject(text, "bom.yaml")
    assert (err.line, err.field) == (37, "process")


def test_csv_named_as_and_processes_columns():
    header = HEADER.replace(",fob", ",fob,processes,named_as")
    rows = [r + ",," for r in ROWS]
    rows[0] = rows[0][:-2] + ",weaving; dyeing@VN,"
    rows[4] = rows[4][:-2] + ",,transformer cores; cores of heading 8504"
    p = parse_bom(csv_text(*rows, header=header), "bom.csv", KNOWN).product
    assert [s.text for s in p.processes] == ["weaving", "dyeing@VN"]
    assert p.bom[2].named_as == ("transformer cores", "cores of heading 8504")
    rows[0] = rows[0].replace("weaving", "weavng")
    err = reject(csv_text(*rows, header=header), "bom.csv")
    assert (err.line, err.field) == (2, "processes") and "unknown process 'weavng'" in err.message
    rows = [r + ",," for r in ROWS]
    rows[0] = rows[0][:-2] + ",,cores"
    err = reject(csv_text(*rows, header=header), "bom.csv")
    assert (err.line, err.field, err.message) == (2, "named_as", "not allowed on this row")
