"""The rule-text compiler on every real rule set in ../shared/eval-data/roo (see its PROVENANCE.md).

Pure Python, no store. Skipped when that folder is absent. Each rule set compiles to canonical rule
syntax or stays text with a reason; at least 90 % of the UK Trade Tariff rule sets and of the EU-side
(OTT prototype, XI) rule sets must be machine-evaluable. Heading label rows (empty rule text) are not
rule sets and are counted apart. Run by hand for the numbers and the top reasons:
``python -m seeds.formats.rule_text STATS <dir> <dir>``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.criteria import parse_rule, render_rule
from seeds.formats.rule_text import HEADING_LABEL, compile_rule_set, rule_sets_in

EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval-data"
SOURCES = {"uk": EVAL_DATA / "roo" / "uk_trade_tariff_backend" / "rule_sets",
           "eu": EVAL_DATA / "roo" / "ott_prototype_xi" / "psr_new"}
RULE_SETS = {"uk": 28_535, "eu": 23_992}

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not EVAL_DATA.is_dir(), reason=f"{EVAL_DATA} is absent"),
]


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_at_least_90_percent_of_rule_sets_are_machine_evaluable(source: str) -> None:
    total = labels = ok = 0
    for _, rules in rule_sets_in(SOURCES[source]):
        compiled = compile_rule_set(rules)
        if compiled.reason == HEADING_LABEL:
            labels += 1
            continue
        total += 1
        if compiled.rule is not None:
            assert compiled.reason is None
            assert render_rule(parse_rule(compiled.rule)) == compiled.rule
            ok += 1
        else:
            assert compiled.reason and not compiled.reason.startswith("compiler output"), compiled
    assert total + labels == RULE_SETS[source]
    print(f"{source}: {ok}/{total} machine-evaluable ({ok / total:.2%}), {labels} heading labels")
    assert ok / total >= 0.90
