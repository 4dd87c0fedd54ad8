"""One round trip per question: an uncached rules question is the revision read and two statements,
an evaluation a handful, a batch of questions one UNWIND per kind; answers do not depend on how
many questions share a statement. Counted with ``Store.round_trips`` (statements sent) on the real
embedded store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.models import Shipment
from graph.applicability import pair_facts_of, rules_between
from graph.cache import graph_view, uncached
from graph.lineage import lineage, lineages_of
from graph.origin import evaluate_shipment, evaluate_shipments, read_bom
from graph.psr import rule_answer, rule_answers
from graph.store import Store

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tshirt-my-au.yaml"
D = date.fromisoformat
LANE_SWEEP = [("MY", "AU", "2025-06-02"), ("MY", "TH", "2025-06-01"), ("DE", "JP", "2024-06-01"),
              ("GB", "JP", "2020-06-01"), ("VN", "NZ", "2025-06-02"), ("MY", "SG", "2025-12-01"), ("ZZ", "AU", "2025-06-02")]
CODES = [("610910", "HS2022"), ("847130", "HS2022"), ("854141", "HS2022"), ("620120", "HS2017"), ("520811", "HS2017"),
         ("999999", "HS2022"), ("610910", "HS1999")]
INSTRUMENTS = ["AANZFTA-P2", "AANZFTA", "ATIGA", "XFTA", "XFTA-P1", "EUJP", "CPTPP", "RCEP", "NOPE"]


def _cold(store: Store) -> None:
    """A managed write: the revision moves, so every cached answer is stale."""
    store.write_tx(lambda tx: None)


def _trips(store: Store, ask) -> int:
    before = store.round_trips
    ask()
    return store.round_trips - before


def test_an_uncached_rules_question_makes_at_most_three_round_trips(seeded: Store) -> None:
    _cold(seeded)
    assert _trips(seeded, lambda: rules_between(seeded, "MY", "TH", D("2025-06-01"), "610910", "HS2022")) <= 3
    assert _trips(seeded, lambda: rules_between(seeded, "DE", "JP", D("2024-06-01"))) <= 2
    # asked again: the revision read only
    assert _trips(seeded, lambda: rules_between(seeded, "MY", "TH", D("2025-06-01"), "610910", "HS2022")) == 1


def test_an_uncached_evaluation_makes_a_handful(seeded: Store) -> None:
    _cold(seeded)
    holder = {}
    assert _trips(seeded, lambda: holder.setdefault("doc", read_bom(seeded, EXAMPLE))) <= 2
    document = holder["doc"]
    for shipment in (document.shipment, Shipment(exporter="MY", importer="TH", date=D("2025-06-01"))):
        assert _trips(seeded, lambda: evaluate_shipment(seeded, document.product, shipment)) <= 5
    assert _trips(seeded, lambda: evaluate_shipment(seeded, document.product, document.shipment)) == 1


def test_many_evaluations_share_their_statements(seeded: Store) -> None:
    document = read_bom(seeded, EXAMPLE)
    shipments = [document.shipment, Shipment(exporter="MY", importer="TH", date=D("2025-06-01")),
                 Shipment(exporter="MY", importer="KH", date=D("2025-06-01"))]
    products = [document.product.model_copy(update={"sku": f"TS-{i}", "hs": hs})
                for i, hs in enumerate(("610910", "610910", "620520", "847130"))]
    jobs = [(p, s) for p in products for s in shipments] * 5
    _cold(seeded)
    reports = []
    trips = _trips(seeded, lambda: reports.extend(evaluate_shipments(seeded, jobs)))
    assert trips <= 6, trips
    plain = uncached(seeded)
    for (product, shipment), report in zip(jobs[:12], reports[:12]):
        assert report.model_dump_json() == evaluate_shipment(plain, product, shipment).model_dump_json()


def test_a_later_chunk_reads_its_new_codes_together(seeded: Store) -> None:
    """A chunk whose products' rules an earlier chunk read still has new BOM codes: they are read in
    the chunk's few statements, not one statement per job."""
    document = read_bom(seeded, EXAMPLE)
    product, shipment = document.product, document.shipment
    materials = [("600622", "HS2022"), ("520512", "HS2022"), ("520811", "HS2017"), ("520812", "HS2017"),
                 ("520821", "HS2017"), ("520822", "HS2017"), ("600410", "HS2017"), ("600490", "HS2017"),
                 ("540710", "HS2017"), ("550410", "HS2017")]
    later = [(product.model_copy(update={"sku": f"TS-{hs}", "bom": tuple(
        m.model_copy(update={"hs": hs, "hs_version": version}) for m in product.bom)}), shipment)
        for hs, version in materials[2:]]
    first = [(product.model_copy(update={"sku": f"TS-A{i}"}), shipment) for i in range(len(later))]
    _cold(seeded)
    reports = []
    trips = _trips(seeded, lambda: reports.extend(evaluate_shipments(seeded, first + later, chunk_size=len(later))))
    assert trips <= 6 + 3, trips  # the first chunk's handful, then the later chunk's new codes together
    plain = uncached(seeded)
    for (p, s), report in zip(first + later, reports):
        assert report.model_dump_json() == evaluate_shipment(plain, p, s).model_dump_json()


def test_a_single_evaluation_reads_its_new_codes_together(seeded: Store) -> None:
    """A BOM whose product's rules are cached but whose in-house intermediates are new to the cache: their
    rules and lineages are read together, not one statement per intermediate."""
    document = read_bom(seeded, EXAMPLE)
    product, shipment = document.product, document.shipment
    line = product.bom[0]
    intermediates = tuple(line.model_copy(update={"id": f"sub-{hs}", "hs": hs, "hs_version": version,
                                                  "components": product.bom})
                          for hs, version in (("520811", "HS2017"), ("520812", "HS2017"), ("540710", "HS2017"),
                                              ("600410", "HS2017")))
    assembled = product.model_copy(update={"sku": "TS-SUB", "bom": intermediates})
    _cold(seeded)
    evaluate_shipment(seeded, product, shipment)
    holder = {}
    assert _trips(seeded, lambda: holder.setdefault("report", evaluate_shipment(seeded, assembled, shipment))) <= 4
    assert holder["report"].model_dump_json() == evaluate_shipment(uncached(seeded), assembled, shipment).model_dump_json()
    # asked again, everything cached: the report from the cache alone, the same, the revision read only
    assert _trips(seeded, lambda: holder.update(again=evaluate_shipment(seeded, assembled, shipment))) == 1
    assert holder["again"].model_dump_json() == holder["report"].model_dump_json()


def test_answers_do_not_depend_on_how_many_questions_share_a_statement(seeded: Store) -> None:
    lanes = [(e, i, D(d)) for e, i, d in LANE_SWEEP]
    together = pair_facts_of(uncached(seeded), lanes)
    for lane in lanes:
        assert together[lane] == pair_facts_of(uncached(seeded), [lane])[lane]

    questions = [(i, c, v, D(d)) for i in INSTRUMENTS for c, v in CODES for d in ("2020-06-01", "2025-06-02")]
    batched = rule_answers(uncached(seeded), questions)
    for question in questions:
        alone = batched[question]
        try:
            single = rule_answer(uncached(seeded), *question)
        except LookupError as exc:
            assert isinstance(alone, LookupError) and str(alone) == str(exc), question
            continue
        assert alone.model_dump_json() == single.model_dump_json(), question

    translations = [(c, v, t) for c, v in CODES for t in ("HS2012", "HS2017", "HS2022", "HS2028", "HS1999")]
    lineages = lineages_of(uncached(seeded), translations)
    for question in translations:
        try:
            single = lineage(uncached(seeded), *question)
        except LookupError as exc:
            assert str(lineages[question]) == str(exc), question
            continue
        assert lineages[question] == single, question


def test_a_view_reads_each_question_once(seeded: Store) -> None:
    _cold(seeded)
    view = graph_view(seeded)
    questions = [("AANZFTA-P2", c, v, D("2025-06-02")) for c, v in CODES[:3]]  # known codes (errors are not cached)
    assert _trips(seeded, lambda: rule_answers(view, questions)) == 1
    assert _trips(seeded, lambda: rule_answers(view, questions)) == 0
    assert _trips(seeded, lambda: rule_answer(view, *questions[0])) == 0


def test_a_warm_api_evaluation_reads_only_the_revision_once(seeded: Store) -> None:
    """The BOM's codes are checked and the verdict judged through one view of the graph."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    body = EXAMPLE.read_bytes()
    headers = {"Content-Type": "application/yaml"}
    with TestClient(create_app(seeded)) as client:
        first = client.post("/v1/origin/evaluate", content=body, headers=headers)
        assert first.status_code == 200, first.text
        again = []
        assert _trips(seeded, lambda: again.append(client.post("/v1/origin/evaluate", content=body,
                                                               headers=headers))) == 1
        assert again[0].content == first.content


def test_a_warm_route_comparison_and_date_diff_read_only_the_revision_once(seeded: Store) -> None:
    """Comparing routes and diffing dates read tariff measures and amended chains through one view, from
    the cache once warm: each request is one revision read, with the same answer as the first."""
    import yaml
    from fastapi.testclient import TestClient

    from api.app import create_app

    product = yaml.safe_load(EXAMPLE.read_text())
    compare = {"product": {**product["product"], "bom": product["bom"]},
               "candidates": [{"producer": "CN", "importer": "US", "date": "2025-12-01"},
                              {"producer": "MY", "importer": "AU", "date": "2025-06-02", "via": ["SG"]}]}
    with TestClient(create_app(seeded)) as client:
        for ask in (lambda: client.post("/v1/shipments/compare", json=compare),
                    lambda: client.post("/v1/origin/changes", params={"date_a": "2025-04-20", "date_b": "2025-04-25"},
                                        content=EXAMPLE.read_bytes(), headers={"Content-Type": "application/yaml"})):
            first = ask()
            assert first.status_code == 200, first.text
            again = []
            assert _trips(seeded, lambda: again.append(ask())) == 1
            assert again[0].content == first.content


def test_a_big_batch_split_across_concurrent_statements_gets_the_same_answers(seeded: Store, monkeypatch) -> None:
    """``Store.split`` deals a batch's questions into parts that ``read_parts`` runs at once (every
    question in one part, neighbours in different ones): rows come back in order, one statement is
    counted per part, and the answers equal those of one statement."""
    questions = [(i, c, v, D(d)) for i in INSTRUMENTS for c, v in CODES for d in ("2020-06-01", "2025-06-02")]
    translations = [(c, v, t) for c, v in CODES for t in ("HS2012", "HS2017", "HS2022", "HS2028", "HS1999")]
    one_rules = rule_answers(uncached(seeded), questions)
    one_links = lineages_of(uncached(seeded), translations)

    monkeypatch.setattr(seeded, "read_parallelism", 3)
    assert seeded.split(list(range(10)), least=3) == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    assert [len(p) for p in seeded.split(list(range(10)), least=50)] == [10]
    assert seeded.split([], least=3) == [[]]
    parts = [{"n": n} for n in range(7)]
    assert _trips(seeded, lambda: seeded.read_parts("RETURN $n AS n", parts)) == 7
    assert [r["n"] for r in seeded.read_parts("UNWIND range($n, $n + 1) AS n RETURN n", parts)] == \
        [x for n in range(7) for x in (n, n + 1)]

    original = Store.split
    monkeypatch.setattr(Store, "split", lambda self, items, least=500: original(self, items, least=5))
    split_rules = rule_answers(uncached(seeded), questions)
    split_links = lineages_of(uncached(seeded), translations)
    for question in questions:
        one, split = one_rules[question], split_rules[question]
        assert (str(one) == str(split)) if isinstance(one, LookupError) else \
            one.model_dump_json() == split.model_dump_json(), question
    for question in translations:
        one, split = one_links[question], split_links[question]
        assert (str(one) == str(split)) if isinstance(one, LookupError) else one == split, question

