"""Which PSR governs a code: specificity, ex entries, exceptions, lineage, inheritance, general rule."""

from __future__ import annotations

from datetime import date

from engine.criteria import TariffShift
from graph.psr import governing_rule
from graph.store import Store

D = date.fromisoformat


def test_subheading_beats_chapter(seeded: Store) -> None:
    rule = governing_rule(seeded, "XFTA", "610910", "HS2022", D("2025-01-01"))
    assert (rule.rule, rule.match.psr.scope, rule.match.level) == ("CTSH", "610910", 6)


def test_chapter_rule_covers_a_code_with_nothing_more_specific(seeded: Store) -> None:
    rule = governing_rule(seeded, "XFTA", "610120", "HS2022", D("2025-01-01"))
    assert (rule.rule, rule.match.psr.scope) == ("CC", "61")


def test_ex_entry_beats_its_heading_and_keeps_the_heading_as_alternative(seeded: Store) -> None:
    rule = governing_rule(seeded, "XFTA", "611020", "HS2022", D("2025-01-01"))
    assert rule.match.ex and rule.rule == "RVC(35)"
    assert [a.psr.rule for a in rule.alternatives] == ["CTH"]
    assert any("only of cashmere" in note for note in rule.notes)


def test_exceptions_are_structured(seeded: Store) -> None:
    rule = governing_rule(seeded, "XFTA", "720810", "HS2022", D("2025-01-01"))
    assert rule.criterion == TariffShift(level="heading", exceptions=("7206-7207",))


def test_general_rule_fallback(seeded: Store) -> None:
    rule = governing_rule(seeded, "AANZFTA", "847130", "HS2022", D("2025-01-01"))
    assert rule.general_rule and rule.rule == "RVC(40) | CTH" and rule.match is None


def test_dated_psr_stops_applying_after_its_end(seeded: Store) -> None:
    assert governing_rule(seeded, "XFTA", "854141", "HS2022", D("2023-06-01")).rule == "CTSH"
    assert governing_rule(seeded, "XFTA", "854141", "HS2022", D("2024-06-01")).general_rule


def test_psr_found_through_lineage_from_another_edition(seeded: Store) -> None:
    """AANZFTA's schedule was written in HS2017 until 2024-02-29: an HS2022 code is mapped back."""
    rule = governing_rule(seeded, "AANZFTA", "610120", "HS2022", D("2020-06-01"))
    assert rule.schedule_version == "HS2017" and rule.lineage is not None
    assert rule.lineage.paths[0].codes == ("HS2022:610120", "HS2017:610120")
    assert rule.match.psr.hs_version == "HS2017" and not rule.general_rule


def test_ambiguous_mapping_with_different_rules_is_flagged(seeded: Store) -> None:
    rule = governing_rule(seeded, "AANZFTA", "620120", "HS2022", D("2020-06-01"))
    assert rule.lineage.targets == ("620111", "620191")
    assert rule.ambiguous
    assert any("620191 has no PSR loaded" in note and "would apply to it only provisionally" in note
               for note in rule.notes)


def test_protocol_inherits_the_psrs_of_the_text_it_amends(seeded: Store) -> None:
    rule = governing_rule(seeded, "XFTA-P1", "610910", "HS2022", D("2025-01-01"))
    assert rule.rule == "CTSH" and rule.match.defined_by == "XFTA" and rule.schedule_defined_by == "XFTA"


def test_a_code_asked_in_its_instruments_cached_context_gets_the_same_answer(seeded: Store) -> None:
    """``RULES_OF_CODES_IN_CONTEXT`` (the instrument's schedule, annexes, general rule and chain taken
    from the cache, a code's lineage into the schedule's edition too once cached) answers exactly as
    ``RULES_OF_CODES_ON_DATE`` does: every 150th seeded code of both editions (some 2,000 questions,
    every rule status) under every instrument on two dates, asked one at a time in one cache, against
    each asked alone in a cache of its own."""
    from graph import queries
    from graph.cache import AnswerCache, GraphView, read_revision
    from graph.psr import rule_answers

    sent: list[str] = []

    class Counted(GraphView):
        """The real view, noting which rules statement each read sends."""

        def read_parts(self, query, parts):
            sent.append("context" if query is queries.RULES_OF_CODES_IN_CONTEXT else
                             "full" if query is queries.RULES_OF_CODES_ON_DATE else query)
            return super().read_parts(query, parts)

    codes = [(r["code"], r["version"]) for r in seeded.read(
        "MATCH (h:HSCode) WHERE size(h.code) = 6 AND h.version IN ['HS2017', 'HS2022'] "
        "RETURN h.code AS code, h.version AS version ORDER BY version, code")]
    instruments = [r["code"] for r in seeded.read("MATCH (i:Instrument) RETURN i.code AS code ORDER BY code")]
    questions = [(i, c, v, d) for d in (D("2019-06-01"), D("2025-06-02")) for i in instruments for c, v in codes[::150]]
    revision = read_revision(seeded)

    def dumped(answers: dict) -> dict:
        return {q: a.model_dump() if not isinstance(a, Exception) else str(a) for q, a in answers.items()}

    alone = {}
    for q in questions:
        alone.update(dumped(rule_answers(GraphView(seeded, AnswerCache(), revision), [q])))
    shared = Counted(seeded, AnswerCache(), revision)
    in_context = {}
    for q in questions:
        in_context.update(dumped(rule_answers(shared, [q])))
    assert in_context == alone
    contexts = {(i, d) for i, _, _, d in questions}
    assert sum(1 for k in shared.cache.generation(revision) if k[0] == "rule_context") == len(contexts)
    # The full statement only for an instrument and date's first code; the in-context one for every
    # other, walking a code's lineage into the schedule's edition there when it is not cached yet.
    assert sent.count("full") == len(contexts) and sent.count("context") == len(questions) - len(contexts)
    assert sum(isinstance(a, dict) and a["rule_status"] == "psr" for a in alone.values()) > 20
