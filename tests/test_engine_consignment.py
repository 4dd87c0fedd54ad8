"""Direct consignment through non-party transit countries (pure)."""

from datetime import date

from engine.models import ConsignmentTerms, Instrument, Leg, OriginTerms, Shipment
from engine.terms.consignment import check_consignment, transit_warnings

ATIGA = Instrument(
    code="ATIGA", agreement="ATIGA",
    parties=("BN", "ID", "KH", "LA", "MM", "MY", "PH", "SG", "TH", "VN"),
    terms=OriginTerms(consignment=ConsignmentTerms(
        permitted_operations=("unloading", "reloading", "storage", "preservation"),
        article="ATIGA Art. 32")))


def ship(*legs):
    return Shipment(exporter="MY", importer="PH", date=date(2025, 6, 1), legs=legs)


def test_direct_between_parties_is_ok():
    r = check_consignment(ship(Leg(country="MY"), Leg(country="SG"), Leg(country="PH")), ATIGA)
    assert r.ok and r.failing_leg is None


def test_transit_through_non_party_with_permitted_ops_under_control_is_ok():
    legs = (Leg(country="MY"),
            Leg(country="HK", operations=("unloading", "storage", "reloading"),
                customs_control=True, documents=("through bill of lading",)),
            Leg(country="PH"))
    r = check_consignment(ship(*legs), ATIGA)
    assert r.ok and "HK" in r.reason
    assert transit_warnings(ship(*legs), ATIGA) == ()


def test_processing_in_non_party_fails_naming_leg_country_and_operation():
    legs = (Leg(country="MY"),
            Leg(country="HK", operations=("unloading",), customs_control=True),
            Leg(country="TW", operations=("unloading", "relabelling"), customs_control=True),
            Leg(country="PH"))
    r = check_consignment(ship(*legs), ATIGA)
    assert not r.ok
    assert (r.failing_leg, r.country, r.operation) == (2, "TW", "relabelling")
    assert "leg 2 through TW" in r.reason and "ATIGA Art. 32" in r.reason


def test_leaving_customs_control_fails_even_without_operations():
    r = check_consignment(ship(Leg(country="CN", customs_control=False)), ATIGA)
    assert not r.ok and r.failing_leg == 0 and "customs control" in r.reason


def test_missing_transit_documents_is_a_warning_not_a_failure():
    s = ship(Leg(country="HK", operations=("storage",), customs_control=True))
    assert check_consignment(s, ATIGA).ok
    assert "leg 0 through HK" in transit_warnings(s, ATIGA)[0]
