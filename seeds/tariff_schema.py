"""Schema of ``seeds/data/tariffs/<IMPORTER>.yaml``: dated tariff measures of one importer.

One file per importing country. Every measure is one dated fact (MFN rate, preferential rate
under an instrument, an overlay stacked on top, or an exemption from an overlay programme) for a
scope of goods: an HS chapter, heading or subheading, or a national tariff line (8 to 10
digits). Field meanings and the stacking rules are in ``seeds/README.md`` ("Tariff measures")
and ``engine/duty.py``. Checks that span files (known countries, instruments, HS editions,
programmes named by ``not_with`` / ``exempts``) are in :func:`check_tariff_files`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from engine.duty import BASE_STACKING, NO_STACKING, OVERLAY_STACKING, STACKING_PARAMETERS
from seeds.schema import CountryCode, Fact, InstrumentCode, IsoDate, OptDate, OptText, VersionCode


def _decimal(value: object) -> object:
    """Rates are written as numbers or strings; read them exactly (16.5 is 16.5, not a float)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage, got {value!r}")
    try:
        return Decimal(str(value).strip().removesuffix("%"))
    except InvalidOperation:
        raise ValueError(f"expected a percentage such as 16.5, got {value!r}") from None


Rate = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0, le=1000)]
OptRate = Annotated[Decimal | None, BeforeValidator(_decimal), Field(default=None, ge=0, le=1000)]
Scope = Annotated[str, Field(pattern=r"^(\*|\d{2}|\d{4}|\d{6}|\d{8}|\d{10})$")]
Programme = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9-]{1,47}$")]
OriginCode = Annotated[str, Field(pattern=r"^([A-Z]{2}|\*)$")]


class StageSeed(BaseModel):
    """A preferential (or MFN) rate from a date: ``{from: 2020-01-01, rate: 0}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    valid_from: IsoDate = Field(alias="from")
    rate: Rate


class SuspensionSeed(Fact):
    """``rate`` points of the measure are not collected from ``from`` to ``until``."""

    rate: Rate
    valid_from: OptDate = Field(default=None, alias="from")
    valid_until: OptDate = Field(default=None, alias="until")


class TariffMeasureSeed(Fact):
    id: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9-]{2,79}$")]
    kind: Literal["mfn", "preferential", "overlay", "exemption"]
    programme: Programme
    title: OptText = None
    hs_version: VersionCode
    scope: Scope
    partial: bool = False
    origins: list[OriginCode] = ["*"]
    origins_except: list[CountryCode] = []
    instrument: InstrumentCode | None = None
    rate: OptRate = None
    staging: list[StageSeed] = []
    stacking: str | None = None
    all_in: OptRate = None
    suspended: SuspensionSeed | None = None
    exempt_if_originating: list[InstrumentCode] = []
    not_with: list[Programme] = []
    exempts: list[Programme] = []
    valid_from: OptDate = Field(default=None, alias="from")
    valid_until: OptDate = Field(default=None, alias="until")

    @model_validator(mode="after")
    def _consistent(self) -> "TariffMeasureSeed":
        k = self.kind
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("until is before from")
        if self.stacking not in (None, BASE_STACKING, *OVERLAY_STACKING):
            raise ValueError(f"unknown stacking {self.stacking!r}: {' | '.join((BASE_STACKING, *OVERLAY_STACKING))}")
        if k in ("mfn", "preferential"):
            if self.stacking not in (None, BASE_STACKING):
                raise ValueError(f"a {k} measure is a base rate: stacking must be {BASE_STACKING!r} or left out")
            if self.origins != ["*"] or self.origins_except:
                raise ValueError(f"a {k} measure applies to every origin it is claimed for: no origins")
            if self.rate is None and not self.staging:
                raise ValueError(f"a {k} measure needs rate or staging")
        if (k == "preferential") != (self.instrument is not None):
            raise ValueError("a preferential measure names its instrument; other kinds name none")
        if k == "overlay":
            if self.stacking not in OVERLAY_STACKING:
                raise ValueError(f"an overlay needs stacking: {' | '.join(OVERLAY_STACKING)}")
            stacking = OVERLAY_STACKING[self.stacking]
            if stacking.parameter and getattr(self, stacking.parameter) is None:
                raise ValueError(f"stacking {self.stacking} needs {stacking.parameter} ({stacking.parameter_hint})")
            for parameter, kinds in STACKING_PARAMETERS.items():
                if parameter != stacking.parameter and getattr(self, parameter) is not None:
                    raise ValueError(f"{parameter} is only for stacking {' | '.join(kinds)}")
        elif self.suspended or self.exempt_if_originating or self.not_with or \
                any(getattr(self, p) is not None for p in STACKING_PARAMETERS):
            fields = ["suspended", "exempt_if_originating", "not_with", *STACKING_PARAMETERS]
            raise ValueError(f"{', '.join(fields[:-1])} and {fields[-1]} are overlay fields")
        if k == "exemption":
            if not self.exempts:
                raise ValueError("an exemption names the overlay programmes it exempts from (exempts)")
            if self.rate is not None or self.staging:
                raise ValueError("an exemption has no rate")
        elif self.exempts:
            raise ValueError("exempts is only for kind exemption")
        if self.suspended and self.rate is not None and self.suspended.rate > self.rate:
            raise ValueError("the suspended part is larger than the rate")
        return self

    @property
    def stacking_rule(self) -> str:
        return self.stacking or (BASE_STACKING if self.kind in ("mfn", "preferential") else NO_STACKING)


class TariffFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    importer: CountryCode
    source: Annotated[str, Field(min_length=1)]
    note: OptText = None
    measures: list[TariffMeasureSeed]

    @model_validator(mode="after")
    def _one_importer(self) -> "TariffFile":
        seen: set[str] = set()
        for m in self.measures:
            if m.id in seen:
                raise ValueError(f"duplicate measure id {m.id}")
            seen.add(m.id)
        return self


def check_tariff_files(files: list[tuple[Any, Any, Any]], countries: set[str], versions: set[str],
                       instruments: set[str],
                       add: Callable[[Any, int | None, str, str], None],
                       line_of: Callable[[Any, tuple], int | None]) -> None:
    """Cross-file checks. ``files`` holds (parsed TariffFile, path, raw YAML); ``add(path, line,
    field, message)`` records a problem. A programme named by ``not_with`` or ``exempts`` must be
    an overlay programme of the same importer; ids are unique across files."""
    ids: set[str] = set()
    for parsed, path, raw in files:
        if parsed.importer not in countries:
            add(path, line_of(raw, ("importer",)), "importer", f"unknown country {parsed.importer!r}")
        overlays = {m.programme for m in parsed.measures if m.kind == "overlay"}
        for i, m in enumerate(parsed.measures):
            base = ("measures", i)

            def problem(field: str, message: str, base=base) -> None:
                add(path, line_of(raw, base + (field,)), f"measures[{i}].{field}", message)

            if m.id in ids:
                problem("id", f"duplicate measure id {m.id} (also in another tariff file)")
            ids.add(m.id)
            if m.hs_version not in versions:
                problem("hs_version", f"unknown HS version {m.hs_version!r}")
            for field in ("origins", "origins_except"):
                for code in getattr(m, field):
                    if code != "*" and code not in countries:
                        problem(field, f"unknown country {code!r}")
            if m.instrument and m.instrument not in instruments:
                problem("instrument", f"unknown instrument {m.instrument!r}")
            for field in ("not_with", "exempts"):
                for programme in getattr(m, field):
                    if programme not in overlays:
                        problem(field, f"{programme!r} is no overlay programme of {parsed.importer}")
