"""Which instruments apply between two countries on a date: real seeds plus the XFTA fixture."""

from __future__ import annotations

import json
from datetime import date

import pytest

from engine.applicability import InstrumentFacts, PartyFact, decide_pair, first_of_third_month_after
from graph.applicability import PairRules, pair_facts_of, rules_between
from graph.cache import graph_view, uncached
from graph.errors import UnknownCountry
from graph.store import Store

D = date.fromisoformat


def applied(answer: PairRules) -> dict[str, object]:
    return {i.instrument: i for i in answer.instruments}


def pending(answer: PairRules) -> dict[str, object]:
    return {p.instrument: p for p in answer.pending}


def test_aanzfta_my_au_runs_the_old_text_until_the_second_protocol(seeded: Store) -> None:
    before = rules_between(seeded, "MY", "AU", D("2025-04-20"))
    assert "AANZFTA" in applied(before) and "AANZFTA-P2" not in applied(before)
    assert any("2025-04-21" in gap for gap in pending(before)["AANZFTA-P2"].missing)

    after = rules_between(seeded, "MY", "AU", D("2025-04-21"))
    assert "AANZFTA" not in applied(after)
    upgrade = applied(after)["AANZFTA-P2"]
    assert upgrade.supersedes == ("AANZFTA",)
    assert upgrade.in_force_for_pair_from == D("2025-04-21")
    assert "AANZFTA-P2" not in pending(after)


def test_pair_with_one_party_not_yet_on_the_protocol_keeps_the_old_text(seeded: Store) -> None:
    answer = rules_between(seeded, "MY", "KH", D("2025-06-01"))
    assert "AANZFTA" in applied(answer) and "AANZFTA-P2" not in applied(answer)
    gaps = pending(answer)["AANZFTA-P2"].missing
    assert any(gap.startswith("KH: entry into force") for gap in gaps)
    assert not any(gap.startswith("MY") for gap in gaps)
    # the same exporter is on the new text with a partner that has it
    assert "AANZFTA-P2" in applied(rules_between(seeded, "MY", "SG", D("2025-06-01")))


def test_member_state_is_a_party_through_its_bloc_on_dated_membership(seeded: Store) -> None:
    answer = rules_between(seeded, "DE", "JP", D("2024-01-01"))
    eujp = applied(answer)["EUJP"]
    assert any("DE through EU" in line for line in eujp.explanation)
    assert eujp.parties[0].via is not None and eujp.parties[0].via.bloc == "EU"
    assert "EUJP" not in applied(rules_between(seeded, "DE", "FR", D("2024-01-01")))
    assert "EUJP" in applied(rules_between(seeded, "GB", "JP", D("2020-06-01")))
    assert "EUJP" not in applied(rules_between(seeded, "GB", "JP", D("2021-06-01")))


def test_pending_protocol_and_pending_agreement_never_apply(seeded: Store) -> None:
    answer = rules_between(seeded, "MY", "SG", D("2025-12-01"))
    assert applied(answer)["ATIGA-P1"].supersedes == ("ATIGA",)
    assert "ATIGA-P2" not in applied(answer)
    assert any("18 months" in gap for gap in pending(answer)["ATIGA-P2"].missing)

    euid = rules_between(seeded, "ID", "DE", D("2026-11-22"))
    assert "EUID" not in applied(euid)
    assert "signature and ratification by the parties" in pending(euid)["EUID"].missing


def test_bilateral_entry_agreement_is_pending_per_pair_and_only_across_sides(seeded: Store) -> None:
    answer = rules_between(seeded, "CH", "BR", D("2026-06-01"))
    assert "EFTA-MERCOSUR" not in applied(answer)
    assert any("ratification" in gap for gap in pending(answer)["EFTA-MERCOSUR"].missing)
    same_side = rules_between(seeded, "CH", "NO", D("2026-06-01"))
    assert "EFTA-MERCOSUR" not in pending(same_side) and "EFTA-MERCOSUR" not in applied(same_side)


def _bilateral(ratified: dict[str, date | None], exporter: str, importer: str) -> InstrumentFacts:
    sides = {"CH": "EFTA", "NO": "EFTA", "BR": "MERCOSUR", "AR": "MERCOSUR"}
    parties = tuple(
        PartyFact(role=role, country=code, party=code, side=sides[code], status="ratified" if ratified[code] else
                  "signed", ratified=ratified[code], source="test")
        for role, code in (("exporter", exporter), ("importer", importer)))
    return InstrumentFacts(code="EFTA-MERCOSUR", agreement="EFTA-MERCOSUR", kind="agreement", title="t",
                           status="signed", entry_into_force="bilateral", pairing="across_sides",
                           chain=("EFTA-MERCOSUR",), parties=parties)


def test_bilateral_entry_binds_a_pair_on_the_first_day_of_the_third_month() -> None:
    ratified = {"CH": D("2026-02-10"), "BR": D("2026-05-15"), "AR": None, "NO": D("2026-01-05")}
    assert first_of_third_month_after(D("2026-11-30")) == D("2027-02-01")
    pair = _bilateral(ratified, "CH", "BR")
    assert decide_pair([pair], D("2026-07-31")).applied == ()
    bound = decide_pair([pair], D("2026-08-01")).applied[0]
    assert bound.in_force_for_pair_from == D("2026-08-01")
    waiting = decide_pair([_bilateral(ratified, "CH", "AR")], D("2026-08-01")).pending[0]
    assert waiting.missing[0].startswith("AR: ratification")


def test_provision_excluded_for_one_party_and_delayed_for_another(seeded: Store) -> None:
    def provisions(exporter: str, importer: str, day: str) -> dict[str, object]:
        answer = rules_between(seeded, exporter, importer, D(day))
        item = applied(answer).get("XFTA-P1") or applied(answer)["XFTA"]
        return {p.key: p for p in item.provisions}

    th = provisions("MY", "TH", "2025-01-01")
    assert not th["cumulation.full"].applies and "TH excludes it" in th["cumulation.full"].reason
    assert th["cumulation.full"].defined_by == "XFTA"
    assert th["cumulation.diagonal"].applies
    assert not provisions("MY", "AU", "2026-06-30")["cumulation.full"].applies
    assert provisions("MY", "AU", "2026-07-01")["cumulation.full"].applies


def test_a_lane_reads_only_the_country_not_read_yet_and_only_its_parties_reservations(seeded: Store) -> None:
    """A pair's facts are its two countries' (cached per country and date): after MY-AU, MY-TH reads TH
    alone. The provisions a side brings carry every party's reservations; a lane keeps only those of its
    own parties: TH's exclusion of XFTA's full cumulation is on MY-TH, not on MY-AU."""
    seeded.write_tx(lambda tx: None)  # a new revision: nothing cached
    day = D("2025-01-01")
    view = graph_view(seeded)
    pair_facts_of(view, [("MY", "AU", day)])
    assert view.peek(("side_facts", "MY", day)) is not None and view.peek(("side_facts", "TH", day)) is None
    before = seeded.round_trips
    facts = pair_facts_of(view, [("MY", "TH", day)])[("MY", "TH", day)]
    assert seeded.round_trips - before == 1 and view.peek(("side_facts", "TH", day)) is not None
    assert facts == pair_facts_of(uncached(seeded), [("MY", "TH", day)])[("MY", "TH", day)]

    def reserving(lane: tuple) -> set[str]:
        facts = pair_facts_of(view, [lane])[lane]
        return {r.party for p in facts.provisions if p.key == "cumulation.full" for r in p.reservations}

    assert reserving(("MY", "TH", day)) == {"TH"}
    assert reserving(("MY", "AU", day)) == {"AU"}
    assert reserving(("TH", "AU", day)) == {"AU", "TH"}
    assert reserving(("MY", "MY", day)) == set()


def test_dual_running_inside_one_agreement(seeded: Store) -> None:
    """XFTA-P1 binds MY-TH; AU only signed it, so MY-AU stays on XFTA with P1 pending."""
    assert applied(rules_between(seeded, "MY", "TH", D("2025-01-01")))["XFTA-P1"].supersedes == ("XFTA",)
    my_au = rules_between(seeded, "MY", "AU", D("2025-01-01"))
    assert "XFTA" in applied(my_au)
    assert pending(my_au)["XFTA-P1"].missing == ("AU: entry into force (status signed; date not yet known)",)


def test_every_answer_names_its_sources(seeded: Store) -> None:
    answer = rules_between(seeded, "MY", "AU", D("2025-05-01"))
    for item in answer.instruments:
        assert all(p.source for p in item.parties)
        assert all("[" in line for line in item.explanation[:2])


def test_unknown_country_is_a_clear_error(seeded: Store) -> None:
    with pytest.raises(UnknownCountry, match="unknown country code 'XX' for importer"):
        rules_between(seeded, "MY", "XX", D("2025-05-01"))


def test_cli_rules_json(seeded: Store, cli) -> None:
    run = cli("rules", "--exporter", "MY", "--importer", "AU", "--date", "2025-04-25",
               "--hs", "610910", "--hs-version", "HS2022", "--json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert (answer["exporter"], answer["importer"], answer["date"]) == ("MY", "AU", "2025-04-25")
    upgrade = next(i for i in answer["instruments"] if i["instrument"] == "AANZFTA-P2")
    assert upgrade["agreement"] == "AANZFTA" and upgrade["status"] == "in_force"
    assert upgrade["provisions"] and upgrade["explanation"]
    assert upgrade["psr"]["rule"] == "RVC(40) | CTH" and upgrade["psr"]["general_rule"] is True
    waiting = next(p for p in answer["pending"] if p["instrument"] == "XFTA-P1")
    assert waiting["agreement"] == "XFTA" and waiting["missing"]


def test_cli_rules_errors_name_the_input(seeded: Store, cli) -> None:
    bad_date = cli("rules", "--exporter", "MY", "--importer", "AU", "--date", "2025-02-30")
    assert bad_date.returncode == 2 and "--date: expected a date written YYYY-MM-DD, got '2025-02-30'" in bad_date.stderr
    unknown = cli("rules", "--exporter", "QQ", "--importer", "AU", "--date", "2025-02-03")
    assert unknown.returncode == 2 and "unknown country code 'QQ' for exporter" in unknown.stderr
    table = cli("rules", "--exporter", "MY", "--importer", "TH", "--date", "2025-06-01")
    assert table.returncode == 0 and "AANZFTA-P2" in table.stdout and "PENDING" in table.stdout
