"""Pure duty stacking: every rule of engine.duty on measures written here (no store)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine.duty import DutyQuery, Stage, Suspension, TariffMeasure, landed_duty

D = date.fromisoformat
STEEL_ALU = "US-232-STEEL-ALU"


def m(uid: str, kind: str = "overlay", programme: str = "US-IEEPA-RECIPROCAL", scope: str = "*", **kw) -> TariffMeasure:
    kw.setdefault("stacking", "base" if kind in ("mfn", "preferential") else "additive")
    return TariffMeasure(uid=uid, kind=kind, programme=programme, importer=kw.pop("importer", "US"), scope=scope,
                         hs_version="HS2022", source=f"test {uid}", **kw)


def mfn(scope: str, rate: str, importer: str = "US") -> TariffMeasure:
    return m(f"MFN-{importer}-{scope}", "mfn", "MFN", scope, rate=Decimal(rate), importer=importer)


RECIPROCAL = [
    m("BASE", rate=Decimal(10), origins_except=("CA", "MX"), valid_from=D("2025-04-05"), not_with=(STEEL_ALU,)),
    m("EU", stacking="top_up_to", all_in=Decimal(15), origins=("DE", "FR"), valid_from=D("2025-08-07"),
      not_with=(STEEL_ALU,)),
    m("JP", stacking="top_up_to", all_in=Decimal(15), origins=("JP",), valid_from=D("2025-08-07"), not_with=(STEEL_ALU,)),
    m("CN", rate=Decimal(34), origins=("CN",), valid_from=D("2025-11-10"), not_with=(STEEL_ALU,),
      suspended=Suspension(rate=Decimal(24), valid_from=D("2025-11-10"), valid_until=D("2026-11-10"))),
    m("VN", rate=Decimal(20), origins=("VN",), valid_from=D("2025-08-07"), not_with=(STEEL_ALU,)),
    m("CA", "overlay", "US-IEEPA-CA", rate=Decimal(35), origins=("CA",), exempt_if_originating=("USMCA",),
      valid_from=D("2025-08-01"), not_with=(STEEL_ALU,)),
    m("AG-0901", "exemption", "US-AG", "0901", exempts=("US-IEEPA-RECIPROCAL",), valid_from=D("2025-11-13")),
    m("STEEL", "overlay", STEEL_ALU, "7208", rate=Decimal(50), valid_from=D("2025-06-04")),
]


def duty(origin: str, hs: str, day: str, measures, **kw):
    return landed_duty(measures, DutyQuery(importer=kw.pop("importer", "US"), origin=origin, date=D(day), hs=hs,
                                           customs_value=Decimal("1000"), currency="USD", **kw))


def applied(result) -> dict[str, Decimal | None]:
    return {layer.programme: layer.rate for layer in result.layers if layer.applied}


def test_eu_and_japan_top_up_to_15_all_in_below_15_mfn() -> None:
    for origin in ("DE", "JP"):
        r = duty(origin, "611020", "2025-09-01", [mfn("611020", "5"), *RECIPROCAL])
        assert applied(r) == {"MFN": Decimal(5), "US-IEEPA-RECIPROCAL": Decimal(10)}
        assert (r.rate, r.amount, r.complete) == (Decimal(15), Decimal("150.00"), True)
        assert "15% all-in" in r.layers[1].rule and r.layers[1].measure == origin.replace("DE", "EU")


def test_eu_and_japan_add_nothing_at_or_above_15_mfn() -> None:
    for rate in ("15", "16.5"):
        r = duty("JP", "610910", "2025-09-01", [mfn("610910", rate), *RECIPROCAL])
        assert r.rate == Decimal(rate)
        assert r.layers[1].rate == 0 and "nothing extra" in r.layers[1].reason


def test_before_the_eu_deal_the_baseline_applies() -> None:
    r = duty("DE", "610910", "2025-06-01", [mfn("610910", "16.5"), *RECIPROCAL])
    assert r.layers[1].measure == "BASE" and r.rate == Decimal("26.5")


def test_china_suspension_until_2026_11_10_then_the_full_rate() -> None:
    before = duty("CN", "610910", "2026-11-10", [mfn("610910", "16.5"), *RECIPROCAL])
    assert before.rate == Decimal("26.5") and "24% suspended until 2026-11-10" in before.layers[1].reason
    after = duty("CN", "610910", "2026-11-11", [mfn("610910", "16.5"), *RECIPROCAL])
    assert after.rate == Decimal("50.5") and "suspension of 24% ended 2026-11-10" in after.layers[1].reason


def test_usmca_qualifying_goods_are_exempt_from_the_canada_measure() -> None:
    measures = [mfn("610910", "16.5"), *RECIPROCAL]
    plain = duty("CA", "610910", "2025-09-01", measures)
    assert applied(plain) == {"MFN": Decimal("16.5"), "US-IEEPA-CA": Decimal(35)}
    qualifying = duty("CA", "610910", "2025-09-01", measures, originating_under=("USMCA",))
    assert qualifying.rate == Decimal("16.5")
    ca = next(layer for layer in qualifying.layers if layer.programme == "US-IEEPA-CA")
    assert not ca.applied and "USMCA" in ca.reason
    assert "US-IEEPA-RECIPROCAL" not in {layer.programme for layer in plain.layers}  # CA is outside it


def test_agricultural_lines_exempt_from_2025_11_13() -> None:
    measures = [mfn("0901", "0"), *RECIPROCAL]
    assert duty("VN", "090111", "2025-11-12", measures).rate == Decimal(20)
    after = duty("VN", "090111", "2025-11-14", measures)
    assert after.rate == 0
    layer = next(x for x in after.layers if x.programme == "US-IEEPA-RECIPROCAL")
    assert not layer.applied and "AG-0901" in layer.reason
    assert duty("VN", "610910", "2025-11-14", [mfn("610910", "16.5"), *RECIPROCAL]).rate == Decimal("36.5")


def test_section_232_stacks_and_switches_the_reciprocal_tariff_off() -> None:
    r = duty("VN", "720851", "2025-12-01", [mfn("72", "0"), *RECIPROCAL])
    assert applied(r) == {"MFN": Decimal(0), STEEL_ALU: Decimal(50)}
    blocked = next(x for x in r.layers if x.programme == "US-IEEPA-RECIPROCAL")
    assert not blocked.applied and "not stacked" in blocked.reason
    before = duty("VN", "720851", "2025-06-03", [mfn("72", "0"), *RECIPROCAL])
    assert applied(before) == {"MFN": Decimal(0), "US-IEEPA-RECIPROCAL": Decimal(10)}


def test_two_additive_layers_stack() -> None:
    fentanyl = m("CN-F", "overlay", "US-IEEPA-FENTANYL-CN", rate=Decimal(10), origins=("CN",), valid_from=D("2025-11-10"))
    r = duty("CN", "610910", "2025-12-01", [mfn("610910", "16.5"), fentanyl, *RECIPROCAL])
    assert r.rate == Decimal("36.5") and len([x for x in r.layers if x.kind == "overlay" and x.applied]) == 2


MX = [mfn("8703", "20", importer="MX"),
      m("MX-NONFTA", "overlay", "MX-LIGIE-NON-FTA", "8703", importer="MX", rate=Decimal(50), stacking="replaces_base",
        origins=("CN", "KR"), valid_from=D("2026-01-01"), valid_until=D("2026-12-31")),
      m("MX-CPTPP", "preferential", "CPTPP", "8703", importer="MX", rate=Decimal(0), instrument="CPTPP")]


def test_mexico_non_fta_tariff_only_in_its_window_and_only_for_listed_origins() -> None:
    assert duty("CN", "870323", "2025-12-31", MX, importer="MX").rate == Decimal(20)
    inside = duty("CN", "870323", "2026-01-01", MX, importer="MX")
    assert inside.rate == Decimal(50) and "in place of the MFN rate" in inside.layers[1].reason
    assert duty("CN", "870323", "2026-12-31", MX, importer="MX").rate == Decimal(50)
    assert duty("CN", "870323", "2027-01-01", MX, importer="MX").rate == Decimal(20)
    assert duty("JP", "870323", "2026-06-01", MX, importer="MX").rate == Decimal(20)


def test_preference_with_staging_and_savings_versus_mfn() -> None:
    staged = m("AU-PREF", "preferential", "AANZFTA", "610910", importer="AU", instrument="AANZFTA",
               staging=(Stage(valid_from=D("2010-01-01"), rate=Decimal(5)), Stage(valid_from=D("2020-01-01"), rate=Decimal(0))))
    au_mfn = m("AU-MFN", "mfn", "MFN", "610910", importer="AU",
               staging=(Stage(valid_from=D("2010-01-01"), rate=Decimal(10)), Stage(valid_from=D("2015-01-01"), rate=Decimal(5))))
    r = duty("MY", "610910", "2025-06-02", [au_mfn, staged], importer="AU", preference="AANZFTA-P2",
             preference_chain=("AANZFTA",))
    assert (r.basis, r.instrument, r.rate, r.mfn_rate, r.savings_vs_mfn) == (
        "preferential", "AANZFTA", 0, Decimal(5), Decimal("50.00"))
    early = duty("MY", "610910", "2012-06-01", [au_mfn, staged], importer="AU", preference="AANZFTA")
    assert (early.rate, early.mfn_rate) == (Decimal(5), Decimal(10))


def test_unseeded_rates_are_reported_never_guessed() -> None:
    gap = m("CN-GAP", origins=("CN",), valid_from=D("2025-04-05"), valid_until=D("2025-05-13"))
    r = duty("CN", "610910", "2025-05-01", [mfn("610910", "16.5"), gap, *RECIPROCAL])
    assert (r.rate, r.amount, r.complete) == (None, None, False)
    assert any("at least 16.5%" in n for n in r.notes)
    no_pref = duty("MY", "610910", "2025-06-02", [mfn("610910", "5", importer="AU")], importer="AU", preference="RCEP")
    assert no_pref.rate is None and not no_pref.complete
    national = duty("DE", "611020", "2025-09-01", [m("L", "mfn", "MFN", "61102010", rate=Decimal(5)), *RECIPROCAL])
    assert any("give the national line" in n for n in national.notes)
    assert duty("DE", "611020", "2025-09-01", [m("L", "mfn", "MFN", "61102010", rate=Decimal(5)), *RECIPROCAL],
                national_line="61102010").rate == Decimal(15)
