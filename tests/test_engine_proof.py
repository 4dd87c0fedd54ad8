"""Proof-of-origin options, the FOB rule, validity and record retention (pure)."""

from datetime import date
from decimal import Decimal as D

from engine.models import FobRule, Instrument, OriginTerms, ProofOption, Shipment
from engine.terms.proof import proof_requirement

ASEAN = ("BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "VN")
ATIGA = Instrument(
    code="ATIGA", agreement="ATIGA", parties=ASEAN, terms=OriginTerms(
    proofs=(
        ProofOption(name="Form D (paper)", kind="certificate", valid_until=date(2023, 12, 31)),
        ProofOption(name="e-Form D", kind="certificate", valid_from=date(2024, 1, 1)),
        ProofOption(name="Form D (paper, ASW failure)", kind="certificate",
                    valid_from=date(2024, 1, 1),
                    note="only when the ASEAN Single Window fails"),
        ProofOption(name="AWSC origin declaration", kind="declaration",
                    valid_from=date(2020, 9, 20), requires="certified exporter"),
    ),
    fob_on_certificate=FobRule(countries=("KH", "ID", "LA"), when_rvc_used=True,
                               valid_from=date(2020, 9, 20)),
    record_retention_years={"SG": 5, "MY": 7, "*": 3},
    certificate_validity_months=12))

EU = ("DE", "FR", "IT", "NL")
EUJP = Instrument(
    code="EUJP", agreement="EUJP", parties=EU + ("JP",), terms=OriginTerms(
    proofs=(
        ProofOption(name="statement on origin", kind="statement", exporter_countries=EU,
                    max_value=D(6000), value_currency="EUR"),
        ProofOption(name="statement on origin (REX)", kind="statement", exporter_countries=EU,
                    requires="REX registration"),
        ProofOption(name="statement on origin (corporate number)", kind="statement",
                    exporter_countries=("JP",), requires="13-digit corporate number"),
    ),
    record_retention_years={"*": 4}))

AFCFTA = Instrument(
    code="AfCFTA", agreement="AfCFTA", parties=("GH", "KE", "NG", "ZA"), terms=OriginTerms(
    proofs=(
        ProofOption(name="certificate of origin", kind="certificate"),
        ProofOption(name="origin declaration (small consignment)", kind="declaration",
                    max_value=D(5000), value_currency="USD"),
        ProofOption(name="origin declaration (approved exporter)", kind="declaration",
                    requires="approved exporter"),
    )))


def ship(exporter, importer, day=date(2025, 6, 1), value=None, currency=None):
    return Shipment(exporter=exporter, importer=importer, date=day,
                    invoice_value=None if value is None else D(value), currency=currency)


def names(req):
    return [o.name for o in req.options]


def test_e_form_d_only_from_2024():
    before = proof_requirement(ship("MY", "TH", date(2023, 6, 1)), ATIGA, False)
    after = proof_requirement(ship("MY", "TH", date(2024, 1, 1)), ATIGA, False)
    assert "e-Form D" not in names(before) and "Form D (paper)" in names(before)
    assert names(after) == ["e-Form D", "Form D (paper, ASW failure)",
                            "AWSC origin declaration"]
    assert {r.name: r.why for r in before.rejected}["e-Form D"] == "only from 2024-01-01"
    assert after.options[2].requires == "certified exporter"


def test_rex_needed_above_eur_6000():
    small = proof_requirement(ship("DE", "JP", value="6000", currency="EUR"), EUJP, None)
    large = proof_requirement(ship("DE", "JP", value="6000.01", currency="EUR"), EUJP, None)
    assert names(small) == ["statement on origin", "statement on origin (REX)"]
    assert names(large) == ["statement on origin (REX)"]
    assert "only up to EUR 6000" in large.rejected[0].why
    jp = proof_requirement(ship("JP", "DE", value="9000", currency="EUR"), EUJP, None)
    assert names(jp) == ["statement on origin (corporate number)"]
    assert large.retention_years == 4


def test_afcfta_small_consignment_up_to_usd_5000():
    small = proof_requirement(ship("GH", "KE", value="5000", currency="USD"), AFCFTA, None)
    large = proof_requirement(ship("GH", "KE", value="5000.50", currency="USD"), AFCFTA, None)
    assert "origin declaration (small consignment)" in names(small)
    assert "origin declaration (small consignment)" not in names(large)


def test_value_limit_unchecked_without_invoice_value_is_said():
    req = proof_requirement(ship("GH", "KE"), AFCFTA, None)
    small = next(o for o in req.options if "small" in o.name)
    assert "not checked" in small.why


def test_fob_required_only_with_rvc_and_kh_id_la():
    for exporter, importer in (("KH", "MY"), ("MY", "ID"), ("LA", "TH")):
        req = proof_requirement(ship(exporter, importer), ATIGA, True)
        assert req.fob_required, (exporter, importer)
    cth = proof_requirement(ship("KH", "MY"), ATIGA, False)
    assert not cth.fob_required and "without the RVC" in cth.fob_reason
    my_sg = proof_requirement(ship("MY", "SG"), ATIGA, True)
    assert not my_sg.fob_required and "neither exporter MY" in my_sg.fob_reason
    early = proof_requirement(ship("KH", "MY", date(2020, 9, 19)), ATIGA, True)
    assert not early.fob_required


def test_validity_and_retention_by_exporter_country():
    assert proof_requirement(ship("SG", "TH"), ATIGA, None).retention_years == 5
    assert proof_requirement(ship("MY", "TH"), ATIGA, None).retention_years == 7
    req = proof_requirement(ship("VN", "TH"), ATIGA, None)
    assert req.retention_years == 3 and req.validity_months == 12


def test_validity_runs_to_the_day_before_the_same_date_a_year_later():
    from engine.terms.proof import last_day_of_validity
    assert last_day_of_validity(date(2020, 9, 19), 12) == date(2021, 9, 18)
    assert last_day_of_validity(date(2020, 12, 20), 12) == date(2021, 12, 19)
