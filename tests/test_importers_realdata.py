"""The importers on the full real files in ../shared/eval-data (see its PROVENANCE.md).

Skipped when that folder is absent. The imports run in a child process on a fresh embedded store
(one process can host only one embedded store, and the session store must not receive a whole
tariff), in the order a user would: the bundled seeds, the HS2012/HS2017/HS2022 code lists, the
UNSD correlation workbooks (and the CSV form of one, which must change nothing), the UK rules of
origin, the WTO RTA export, the EU-side (XI) rules of origin. The child prints a JSON report; the
checks are made on it:

- the lineage of every HS2017 code to HS2022, walked in the graph, equals the UN table;
- every one of the 41,255 UK rules is imported (structured or text only) or skipped with a reason;
- every one of the 23,992 EU rule sets is imported (machine-evaluable or text only, with a reason),
  a heading label (1,730), or skipped with a reason;
- importing again leaves the counts unchanged;
- the time of each import (printed; the whole must stay well under the 2-minute budget).

Run by hand: ``python tests/test_importers_realdata.py ../shared/eval-data /tmp/og-real``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EVAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval-data"
UK_RULES = 41_255
EU_RULE_SETS = 23_992
EU_HEADING_LABELS = 1_730

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not EVAL_DATA.is_dir(), reason=f"{EVAL_DATA} is absent"),
    pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="runs on its own embedded store"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data_dir = tmp_path_factory.mktemp("realdata-store")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("NEO4J_URI", None)
    proc = subprocess.run([sys.executable, __file__, str(EVAL_DATA), str(data_dir)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print("\nfull real-data import (seconds):")
    for name, seconds in result["times"].items():
        print(f"  {name:<44} {seconds:7.1f}")
    print(f"  {'total (imports only)':<44} {result['import_total']:7.1f}")
    return result


def test_every_hs2017_code_has_the_un_table_lineage_to_hs2022(report: dict) -> None:
    lineage = report["lineage"]
    assert lineage["codes"] >= 5387
    assert lineage["missing"] == [] and lineage["extra"] == []
    assert lineage["graph_pairs"] == lineage["table_pairs"] == 15657
    assert lineage["sampled_with_graph_lineage"] >= 300 and lineage["sample_mismatches"] == []


def test_every_uk_rule_is_imported_or_reported_with_a_reason(report: dict) -> None:
    uk = report["uk"]
    assert uk["rules"] == UK_RULES
    accounted = sum(n for reasons in uk["outcomes"].values() for n in reasons.values())
    assert accounted == UK_RULES
    assert uk["outcomes"]["imported with structured criteria (machine-evaluable)"]
    assert all(reason for reasons in uk["outcomes"].values() for reason in reasons)
    assert uk["graph"]["psrs"] == uk["psrs_written"] and uk["graph"]["targets"] == uk["targets_written"]
    assert uk["graph"]["machine_evaluable"] > 10_000


def test_every_eu_rule_set_is_imported_or_skipped_with_a_reason(report: dict) -> None:
    eu = report["eu"]
    total = eu["totals"]
    assert total["rule_sets"] == EU_RULE_SETS
    assert total["rule_sets"] == (total["machine_evaluable"] + total["text_only"] + total["heading_labels_skipped"]
                                  + sum(total["skipped"].values()))
    assert total["heading_labels_skipped"] == EU_HEADING_LABELS
    assert sum(total["reasons"].values()) == total["text_only"] and all(total["reasons"]) and all(total["skipped"])
    assert total["machine_evaluable"] > 15_000
    for scheme in eu["schemes"].values():
        assert scheme["rule_sets"] == (scheme["machine_evaluable"] + scheme["text_only"]
                                       + scheme["heading_labels_skipped"] + sum(scheme["skipped"].values()))
    assert len(eu["schemes"]) == 42  # 40 schemes with their files, and two files without a scheme
    assert eu["graph"]["psrs"] == eu["psrs_written"] == total["machine_evaluable"] + total["text_only"]
    assert eu["graph"]["targets"] == eu["targets_written"]
    assert eu["graph"]["machine_evaluable"] == total["machine_evaluable"]


def test_reimport_and_csv_layout_change_nothing(report: dict) -> None:
    assert report["counts_after_reimport"] == report["counts"]
    assert report["counts_after_csv_correlation"] == report["counts"]


def test_full_import_time_is_within_budget(report: dict) -> None:
    assert report["import_total"] < 120, f"machine load (/proc/loadavg) after the imports: {report['loadavg']}"


def test_wto_agreements_and_parties(report: dict) -> None:
    wto = report["wto"]
    assert wto["agreements written"] == 626 and wto["parties (PARTY_TO)"] > 1400


# --------------------------------------------------------------------------- the child process


def _run(eval_dir: Path, data_dir: Path) -> dict:
    from graph import queries
    from graph.imports import eu_instrument_code, import_correlation, public_data_steps, uk_instrument_code
    from graph.lineage import lineage
    from graph.load import count_graph, load_seeds
    from graph.store import StoreConfig, open_store
    from seeds.formats.eu_roo import read_eu_roo
    from seeds.formats.uk_roo import read_uk_roo
    from seeds.formats.unsd import read_correlation
    from seeds.read import read_seeds

    times: dict[str, float] = {}
    out: dict = {"times": times}

    def timed(name, work):
        started = time.perf_counter()
        result = work()
        times[name] = round(time.perf_counter() - started, 2)
        return result

    corr = eval_dir / "correlation"
    steps = public_data_steps(eval_dir)
    with open_store(StoreConfig(data_dir=data_dir)) as store:
        timed("seeds (origingraph load)", lambda: load_seeds(store, read_seeds()))
        summaries = {name: timed(name, lambda step=step: step(store)) for name, step in steps}
        out["import_total"] = round(sum(v for k, v in times.items() if not k.startswith("seeds")), 2)
        out["loadavg"] = Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else "unknown"
        nodes, rels = count_graph(store)
        out["counts"] = [nodes, rels]

        uk = summaries["uk-roo (44 schemes, 43 rule-set files)"]
        data = read_uk_roo(eval_dir / "roo/uk_trade_tariff_backend")
        codes = [uk_instrument_code(s.code) for s in data.schemes]
        out["uk"] = {"rules": uk.counts["rules"], "outcomes": uk.outcomes, "psrs_written": uk.counts["PSRs written"],
                     "targets_written": uk.counts["APPLIES_TO links"],
                     "graph": store.read(queries.IMPORT_PSR_COUNTS_OF_INSTRUMENTS, instruments=codes)[0],
                     "summary": uk.lines()}
        out["wto"] = {k: v for k, v in summaries["wto-rta (AllRTAs.xlsx + signatories)"].counts.items()}
        eu = summaries["eu-roo (40 schemes, 42 rule-set files)"]
        eu_codes = [eu_instrument_code(s.code) for s in read_eu_roo(eval_dir / "roo/ott_prototype_xi").schemes]
        out["eu"] = {"totals": asdict(eu.totals), "schemes": {k: asdict(v) for k, v in eu.schemes.items()},
                     "psrs_written": eu.counts["PSRs written"], "targets_written": eu.counts["APPLIES_TO links"],
                     "graph": store.read(queries.IMPORT_PSR_COUNTS_OF_INSTRUMENTS, instruments=eu_codes)[0]}

        table = read_correlation(corr / "unsd_HS2022toHS2017ConversionAndCorrelationTables.xlsx")
        expected: dict[str, set[str]] = {}
        for link in table.links:
            expected.setdefault(link.from_code, set()).add(link.to_code)
        found: dict[str, set[str]] = {}
        rows = timed("check: bulk lineage HS2017->HS2022", lambda: store.read(
            queries.IMPORT_LINEAGE_PAIRS, from_version="HS2017", to_version="HS2022"))
        for row in rows:
            found.setdefault(row["from_code"], set()).add(row["to_code"])
        hs2017 = {r["code"] for r in store.read(queries.IMPORT_CODES_OF_VERSION, version="HS2017") if len(r["code"]) == 6}
        table_codes = set(expected)
        sample = sorted(c for c in table_codes if len(expected[c]) > 1)
        sample += random.Random(6).sample(sorted(table_codes - set(sample)), 300)
        mismatches = []
        for code in sample:
            answer = lineage(store, code, "HS2017", "HS2022")
            if set(answer.targets) != expected[code]:
                mismatches.append(code)
        out["lineage"] = {
            "codes": len(hs2017 & table_codes),
            "missing": sorted(c for c in table_codes if found.get(c) != expected[c])[:20],
            "extra": sorted(c for c in found if c not in table_codes and len(c) == 6)[:20],
            "graph_pairs": sum(len(v) for k, v in found.items() if k in table_codes),
            "table_pairs": len(table.links), "sampled_with_graph_lineage": len(sample),
            "sample_mismatches": mismatches[:20]}

        timed("again: uk-roo", lambda: steps[5][1](store))
        timed("again: wto-rta", lambda: steps[6][1](store))
        timed("again: eu-roo", lambda: steps[7][1](store))
        timed("again: hs-list HS2022", lambda: steps[2][1](store))
        out["counts_after_reimport"] = list(count_graph(store))
        timed("again: unsd-correlation HS2017->HS2022 (CSV layout)", lambda: import_correlation(
            store, read_correlation(corr / "hs2022_hs2017_correlation.csv")))
        out["counts_after_csv_correlation"] = list(count_graph(store))
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(json.dumps(_run(Path(sys.argv[1]), Path(sys.argv[2])), default=str))
