"""Agreement terms with one home each: the dated-value protocol, the stacking, cumulation and proof-kind
registries, and the seed checks that read them (pure: no store)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from engine.certificate import DocumentType, schema_text
from engine.dated import in_force_on
from engine.duty import OVERLAY_STACKING, STACKING_KINDS, STACKING_PARAMETERS, TariffMeasure
from engine.terms.cumulation import CUMULATION_KINDS, cumulation_kind, reached_countries
from engine.terms.proof import PROOF_KINDS, CriterionCodes, ProofKind, ProofOption
from engine.terms.records import retention_years
from seeds.read import BUNDLED, SeedError, read_seeds
from seeds.tariff_schema import TariffMeasureSeed

D = date.fromisoformat


def test_in_force_on_is_inclusive_and_null_is_open():
    assert in_force_on(D("2024-01-01"), D("2024-01-01"), D("2024-12-31"))
    assert in_force_on(D("2024-12-31"), D("2024-01-01"), D("2024-12-31"))
    assert not in_force_on(D("2023-12-31"), D("2024-01-01"), None)
    assert not in_force_on(D("2025-01-01"), None, D("2024-12-31"))
    assert in_force_on(D("1900-01-01"), None, None)


def test_stacking_kinds_are_one_list():
    assert STACKING_KINDS == ("base", *OVERLAY_STACKING, "none")
    with pytest.raises(ValueError, match="unknown stacking 'topup'"):
        TariffMeasure(uid="X", kind="overlay", programme="P", importer="US", scope="*", hs_version="HS2022",
                      stacking="topup")
    with pytest.raises(ValueError, match="needs stacking"):
        TariffMeasure(uid="X", kind="overlay", programme="P", importer="US", scope="*", hs_version="HS2022")


def test_stacking_parameters_are_read_from_the_registry():
    assert STACKING_PARAMETERS == {"all_in": ("top_up_to",)}
    for parameter in STACKING_PARAMETERS:  # a kind's parameter is a field of the engine's and the seed's measure
        assert parameter in TariffMeasure.model_fields and parameter in TariffMeasureSeed.model_fields
    seed = {"id": "XX-TOP", "kind": "overlay", "programme": "XX-P", "hs_version": "HS2022", "scope": "*",
            "source": "test"}
    assert TariffMeasureSeed(**seed, stacking="top_up_to", all_in=15).all_in == 15
    for given, message in (({"stacking": "top_up_to"}, "stacking top_up_to needs all_in (the all-in rate, e.g. 15)"),
                           ({"stacking": "additive", "rate": 10, "all_in": 15}, "all_in is only for stacking top_up_to"),
                           ({"kind": "mfn", "rate": 5, "all_in": 15},
                            "suspended, exempt_if_originating, not_with and all_in are overlay fields"),
                           ({"stacking": "topup"}, "unknown stacking 'topup': base | additive | top_up_to | "
                                                   "replaces_base")):
        with pytest.raises(ValidationError, match=re.escape(message)):
            TariffMeasureSeed(**(seed | given))


def test_proof_kinds_are_one_list_every_model_reads():
    assert PROOF_KINDS == get_args(ProofKind) == ("certificate", "declaration", "statement")
    for model, field in ((ProofOption, "kind"), (CriterionCodes, "proof_kind"), (DocumentType, "kind")):
        assert model.model_json_schema()["properties"][field]["enum"] == list(PROOF_KINDS), model
    with pytest.raises(ValidationError, match="Input should be 'certificate', 'declaration' or 'statement'"):
        ProofOption(name="Affidavit", kind="affidavit")
    # the published WCO export schema lists the same kinds
    wco = json.loads(schema_text())["$defs"]["certificate"]["properties"]["documentType"]["properties"]["kind"]
    assert wco["enum"] == list(PROOF_KINDS)


def test_record_retention_is_the_exporters_else_the_agreements():
    assert retention_years({"JP": 5, "*": 4}, "JP") == 5
    assert retention_years({"JP": 5, "*": 4}, "BE") == 4
    assert retention_years({"JP": 5}, "BE") is None


def test_cumulation_reach_is_decided_by_the_kind():
    pair, parties, extended = ("AU", "NZ"), ("AU", "NZ", "TH"), ("CH",)
    assert reached_countries("bilateral", pair, parties, extended) == {"AU", "NZ"}
    assert reached_countries("diagonal", pair, parties, extended) == {"AU", "NZ", "TH"}
    assert reached_countries("extended", pair, parties, extended) == {"CH"}
    assert [k for k, v in CUMULATION_KINDS.items() if v.processing] == ["full"]
    assert cumulation_kind("consignment.direct") is None
    with pytest.raises(ValueError, match="unknown cumulation kind 'diagnoal'"):
        cumulation_kind("cumulation.diagnoal")


def _copy_seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(BUNDLED, target)
    return target


def test_unknown_cumulation_kind_is_a_load_error_with_file_line_field(tmp_path: Path):
    seeds = _copy_seeds(tmp_path)
    atiga = seeds / "agreements" / "ATIGA.yaml"
    text = atiga.read_text()
    bad = text.replace("key: cumulation.diagonal", "key: cumulation.diagnoal", 1)
    atiga.write_text(bad)
    line = next(i for i, text_line in enumerate(bad.splitlines(), 1) if "cumulation.diagnoal" in text_line)
    with pytest.raises(SeedError) as caught:
        read_seeds(seeds)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("seeds/agreements/ATIGA.yaml", line)
    assert problem.field.endswith(".key") and "unknown cumulation kind 'diagnoal'" in problem.message
    assert f"ATIGA.yaml:{line}: " in str(problem)


def test_unknown_stacking_in_a_tariff_file_is_a_load_error(tmp_path: Path):
    seeds = _copy_seeds(tmp_path)
    us = seeds / "tariffs" / "US.yaml"
    text = us.read_text()
    assert "stacking: additive" in text
    us.write_text(text.replace("stacking: additive", "stacking: additiv", 1))
    with pytest.raises(SeedError) as caught:
        read_seeds(seeds)
    problem = caught.value.problems[0]
    assert problem.file == "seeds/tariffs/US.yaml" and problem.line
    assert "unknown stacking 'additiv'" in problem.message


def test_a_pair_date_later_than_the_parties_own_dates_decides_the_pair():
    from engine.applicability import InstrumentFacts, PartyFact, decide_pair
    def party(role, code, since):
        return PartyFact(role=role, country=code, party=code, status="in_force", in_force_from=D(since))
    facts = InstrumentFacts(code="CPTPP", agreement="CPTPP", kind="agreement", title="CPTPP", status="in_force",
                            parties=(party("exporter", "AU", "2018-12-30"), party("importer", "GB", "2024-12-15")),
                            pair_dates='[{"parties": ["GB", "AU"], "in_force_from": "2024-12-24", "source": "DOMAIN.md"}]')
    assert not decide_pair([facts], D("2024-12-23")).applied
    assert "pair bound only from 2024-12-24" in decide_pair([facts], D("2024-12-23")).pending[0].missing[0]
    assert decide_pair([facts], D("2024-12-24")).applied[0].in_force_for_pair_from == D("2024-12-24")
