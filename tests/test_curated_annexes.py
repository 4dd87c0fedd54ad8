"""Issue 9, done when: DE->JP under EUJP and JP->CA under CPTPP answer ``rule_status: psr`` with the annex
line, its rule compiled from the annex wording, for HS2022 codes mapped through the lineage from the
annex's edition (EUJP: HS2017, CPTPP: HS2012); and a BOM gets a verdict under each, with the clause that
decided it, from the CLI (``evaluate --json``) and the API alike.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from engine.criteria import parse_rule, render_rule
from graph.applicability import rules_between
from graph.store import Store

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
D = date(2026, 6, 1)

# (lane, instrument, HS2022 code, annex scope, compiled rule)
SAMPLED = [
    ("DE", "JP", "EUJP", "610910", "ex 6109",
     "(SP(knitting) | SP(crocheting)) & SP(making-up) | SP(making-up) & (MaxNOM(50) | MaxNOM(45, fob))"),
    ("DE", "JP", "EUJP", "841370", "8413", "CTH | MaxNOM(50) | RVC(55)"),
    ("DE", "JP", "EUJP", "850440", "8504", "CTH | MaxNOM(50) | RVC(55)"),
    ("DE", "JP", "EUJP", "720851", "7208", "CTH except 7208-7217"),
    ("JP", "CA", "CPTPP", "610910", "6109",
     "CC except 5106-5113, 5204-5212, 5401-5402, 540333-540339, 540342-540349, 5404-5408, 5508-5516, 5606, "
     "6001-6006 & SP(cut-or-knit-to-shape-and-assembled)"),
    ("JP", "CA", "CPTPP", "640399", "6403",
     'CC | CTH except 6401-6402, 6404-6405, 640610, "assemblies of uppers other than of wood of subheading 640690" '
     "& (RVC(45, build-up) | RVC(55, build-down))"),
    ("JP", "CA", "CPTPP", "220300", "2203", "CTH"),
]


def _governing(store: Store, exporter: str, importer: str, instrument: str, code: str):
    answer = rules_between(store, exporter, importer, D, code, "HS2022")
    return next(i for i in answer.instruments if i.instrument == instrument)


@pytest.mark.parametrize("exporter, importer, instrument, code, scope, rule", SAMPLED)
def test_sampled_codes_answer_the_compiled_annex_line(seeded: Store, exporter: str, importer: str, instrument: str,
                                                       code: str, scope: str, rule: str) -> None:
    item = _governing(seeded, exporter, importer, instrument, code)
    assert item.rule_status == "psr", item.rule_status_reason
    psr = item.psr
    assert psr.schedule_version == {"EUJP": "HS2017", "CPTPP": "HS2012"}[instrument]
    assert psr.match.psr.scope == scope
    assert psr.rule == psr.match.psr.rule == rule
    assert render_rule(parse_rule(rule)) == rule and psr.criterion is not None
    assert psr.match.note.startswith("Annex line ")  # the annex line the row comes from
    assert psr.match.psr.text and psr.match.psr.text != rule  # the annex wording it was compiled from
    assert " @ " in psr.match.psr.source  # the transcription and its commit


@pytest.mark.parametrize("exporter, importer, instrument, code, reason", [
    # an alternative the rule syntax cannot say (focused value, net cost) is never dropped
    ("JP", "CA", "CPTPP", "850440", "focused value method"),
    ("JP", "CA", "CPTPP", "870323", "net cost method"),
    # the UK-side transcription of 87.03 carries dated stages the EU-side file does not
    ("DE", "JP", "EUJP", "870323", "transcriptions of this line differ"),
])
def test_rules_outside_the_grammar_stay_text_with_the_reason(seeded: Store, exporter: str, importer: str,
                                                             instrument: str, code: str, reason: str) -> None:
    item = _governing(seeded, exporter, importer, instrument, code)
    assert item.rule_status == "text_only"
    assert reason in item.rule_status_reason


@pytest.mark.parametrize("example, instrument, passed_by", [
    ("pump-de-jp.yaml", "EUJP", "MaxNOM(50)"),
    ("tshirt-jp-ca.yaml", "CPTPP", "CC except 5106-5113, 5204-5212, 5401-5402, 540333-540339, 540342-540349, "
                                   "5404-5408, 5508-5516, 5606, 6001-6006 & SP(cut-or-knit-to-shape-and-assembled)"),
])
def test_example_boms_get_a_verdict_from_the_cli_and_the_api(seeded: Store, cli, example: str, instrument: str,
                                                              passed_by: str) -> None:
    run = cli("evaluate", str(EXAMPLES / example), "--json")
    assert run.returncode == 0, run.stderr
    from_cli = json.loads(run.stdout)
    with TestClient(create_app(seeded)) as client:
        response = client.post("/v1/origin/evaluate", content=(EXAMPLES / example).read_bytes(),
                               headers={"content-type": "application/yaml"})
    assert response.status_code == 200, response.text
    for report in (from_cli, response.json()):
        verdict = next(v for v in report["verdicts"] if v["instrument"] == instrument)
        assert verdict["rule_status"] == "psr"
        assert verdict["originating"] is True
        assert verdict["passed_by"] == passed_by
