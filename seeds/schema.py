"""The schema of every seed file (see ``seeds/README.md``), as pydantic models.

Field checks live here; checks that span files (a party that is no known country or bloc, a PSR
scope that is no seeded HS code) live in ``seeds.read``. Dates must be written ``YYYY-MM-DD``:
a bare number or a timestamp is refused rather than interpreted.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import (AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, field_validator,
                      model_validator)

from engine.criteria import RuleSyntaxError, parse_rule
from engine.terms import OriginTerms as EngineOriginTerms
from engine.terms.cumulation import cumulation_kind
from engine.terms.remanufactured import RemanufacturedTerms

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r} ({exc})") from None
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


def _rule(text: str) -> str:
    try:
        parse_rule(text)
    except RuleSyntaxError as exc:
        raise ValueError(f"rule does not parse: {exc}") from None
    return text


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
OptDate = Annotated[date | None, BeforeValidator(_iso_date)]
OptText = Annotated[str | None, BeforeValidator(_blank_is_none)]
Text = Annotated[str, Field(min_length=1)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
PartyCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9-]{1,15}$")]
InstrumentCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9-]{1,31}$")]
VersionCode = Annotated[str, Field(pattern=r"^HS\d{4}$")]
HsCodeText = Annotated[str, Field(pattern=r"^(\d{2}|\d{4}|\d{6})$")]
Rule = Annotated[str, AfterValidator(_rule)]
Confidence = Literal["confirmed", "reported", "expected", "unknown"]


class Fact(BaseModel):
    """Every seed fact says where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: Text
    note: OptText = None
    confidence: Confidence | None = None


class CountryRow(Fact):
    code: CountryCode
    name: Text


class Membership(Fact):
    country: CountryCode
    valid_from: IsoDate = Field(alias="from")
    valid_until: OptDate = Field(default=None, alias="until")


class BlocSeed(Fact):
    code: PartyCode
    name: Text
    members: list[Membership]


class BlocsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    blocs: list[BlocSeed]


class HSVersionSeed(Fact):
    code: VersionCode
    in_force_from: IsoDate
    follows: VersionCode | None = None


class HSVersionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    versions: list[HSVersionSeed]


class HsCodeRow(Fact):
    version: VersionCode
    code: HsCodeText
    description: Text


class CorrelationRow(Fact):
    from_version: VersionCode
    from_code: HsCodeText
    to_version: VersionCode
    to_code: HsCodeText
    partial: bool = False


class Reservation(Fact):
    provision: Text
    kind: Literal["excluded", "delayed"]
    until: OptDate = None

    @model_validator(mode="after")
    def _delay_has_end(self) -> "Reservation":
        if self.kind == "delayed" and self.until is None:
            raise ValueError("a delayed provision needs 'until' (the last day it does not apply)")
        return self


class PartyStatus(Fact):
    """A party's dated status under one instrument (seeded, or recorded through the API)."""

    side: OptText = None
    signed: OptDate = None
    ratified: OptDate = None
    in_force_from: OptDate = None
    in_force_until: OptDate = None
    status: Literal["in_force", "ratified", "signed", "not_signed", "withdrawn"]

    @model_validator(mode="after")
    def _dates_agree(self) -> "PartyStatus":
        if self.status == "in_force" and self.in_force_from is None:
            raise ValueError("status in_force needs in_force_from")
        if self.in_force_from and self.in_force_until and self.in_force_until < self.in_force_from:
            raise ValueError("in_force_until is before in_force_from")
        if self.signed and self.ratified and self.ratified < self.signed:
            raise ValueError("ratified is before signed")
        return self


class PartySeed(PartyStatus):
    party: PartyCode
    reservations: list[Reservation] = []


class ProvisionSeed(Fact):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]*$")]
    article: OptText = None
    title: Text
    extends_to: list[PartyCode] = []
    accepts_declarations_under: list[InstrumentCode] = []

    @field_validator("key")
    @classmethod
    def _known_cumulation(cls, v: str) -> str:
        """``cumulation.<kind>`` names a kind of the engine's one list (a typo is a load error)."""
        cumulation_kind(v)
        return v


class OriginTerms(Fact, EngineOriginTerms):
    """The rules around the criteria that the engine applies for an instrument, with their source.

    Written once per instrument that sets them; a protocol that does not repeat them inherits
    those of the text it amends. The fields are the engine's own :class:`engine.terms.OriginTerms`
    (each part owned by its module in ``engine/terms/``), so what the seeds say is exactly what the
    engine reads, and the graph hands it over whole.
    """

    @model_validator(mode="after")
    def _codes_for_a_proof(self) -> "OriginTerms":
        """A code table names the kind of proof that shows the codes; one of the instrument's proofs is of it."""
        kind = self.criterion_codes.proof_kind if self.criterion_codes else None
        if kind and not any(p.kind == kind for p in self.proofs):
            raise ValueError(f"criterion_codes are for a proof of kind {kind!r}, but no proof is of that kind")
        return self


class AnnexCoverage(Fact):
    """How much of a PSR schedule's annex is in the graph, so an answer never calls the general rule
    the governing one where the annex was simply not loaded.

    ``complete``: every line of the annex for this edition is loaded, so a code it lists no PSR for
    falls under the general rule. ``partial``: only the lines under ``covers`` (chapters, headings or
    subheadings, each transcribed in full) are loaded; for any other code the annex counts as not
    loaded. No ``annex`` at all: not loaded (an import may record one; a seed load leaves it alone).
    """

    coverage: Literal["complete", "partial"]
    covers: list[HsCodeText] = Field(default=[], validation_alias=AliasChoices("covers", "chapters"))

    @model_validator(mode="after")
    def _covers_agree(self) -> "AnnexCoverage":
        if self.coverage == "partial" and not self.covers:
            raise ValueError("a partial annex lists what it covers: covers: [chapters, headings or subheadings]")
        if self.coverage == "complete" and self.covers:
            raise ValueError("a complete annex covers every code: leave out covers")
        return self


class ScheduleSeed(Fact):
    """An instrument's PSR schedule written in ``hs_version``; an unknown start is left null."""

    hs_version: VersionCode
    valid_from: OptDate = Field(default=None, alias="from")
    valid_until: OptDate = Field(default=None, alias="until")
    transition_until: OptDate = None
    annex: AnnexCoverage | None = None


class PairDateSeed(Fact):
    """The day the instrument binds two of its parties to each other, when later than their own dates
    (engine ``PairDate``): ``{parties: [AU, GB], in_force_from: 2024-12-24, source: ...}``."""

    parties: Annotated[list[PartyCode], Field(min_length=2, max_length=2)]
    in_force_from: IsoDate


class InstrumentSeed(Fact):
    code: InstrumentCode
    kind: Literal["agreement", "protocol"]
    title: Text
    signed: OptDate = None
    amends: InstrumentCode | None = None
    entry_into_force: Literal["per_party", "bilateral", "all_parties"] = "per_party"
    pairing: Literal["any", "across_sides"] = "any"
    general_rule: Rule | None = None
    general_rule_note: OptText = None  # why there is none (or what is known), with its source
    psr_schedules: list[ScheduleSeed] = []
    status: Literal["in_force", "signed", "concluded", "terminated"]
    expected: OptText = None
    provisions: list[ProvisionSeed] = []
    origin: OriginTerms | None = None
    pair_dates: list[PairDateSeed] = []
    remanufactured: RemanufacturedTerms | None = None
    parties: list[PartySeed]

    @model_validator(mode="after")
    def _protocol_amends(self) -> "InstrumentSeed":
        if (self.kind == "protocol") != (self.amends is not None):
            raise ValueError("a protocol names the instrument it amends; an agreement amends none")
        own = {p.party for p in self.parties}
        for d in self.pair_dates:
            if not set(d.parties) <= own or d.parties[0] == d.parties[1]:
                raise ValueError(f"pair_dates {d.parties}: two different parties of {self.code}")
        for phase in self.remanufactured.phases if self.remanufactured else ():
            if not set(phase.parties) <= own:
                raise ValueError(f"remanufactured: {sorted(set(phase.parties) - own)} not parties of {self.code}")
        return self


class AgreementSeed(Fact):
    code: InstrumentCode
    name: Text


class AgreementFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agreement: AgreementSeed
    instruments: list[InstrumentSeed]


SidecarKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class ProvenanceFile(BaseModel):
    """The values a generated CSV states once (``<name>.provenance.yaml`` beside ``<name>.csv``).

    ``defaults``: a column's value for every row that leaves it out or empty. ``values``: per column,
    the full text a cell ``@key`` stands for; a text with ``{}`` is a template, and the cell
    ``@key argument`` puts the argument in its place. Which columns exist is checked by ``seeds.read``."""

    model_config = ConfigDict(extra="forbid")

    defaults: dict[str, Text] = {}
    values: dict[str, dict[SidecarKey, Text]] = {}


class PsrRow(Fact):
    """One annex line for one scope. ``rule`` is rule syntax; a line the compiler could not translate
    exactly leaves it empty and is kept as ``text`` (the annex wording) with the ``reason``."""

    instrument: InstrumentCode
    hs_version: VersionCode
    scope: Annotated[str, Field(pattern=r"^(ex )?(\d{2}|\d{4}|\d{6})$")]
    rule: Rule | None = None
    text: OptText = None
    reason: OptText = None
    licence: OptText = None
    valid_from: OptDate = None
    valid_until: OptDate = None

    @model_validator(mode="after")
    def _rule_or_text(self) -> "PsrRow":
        if self.rule is None and not (self.text and self.reason):
            raise ValueError("a PSR without a rule is text only: give its text and the reason")
        return self

    @property
    def code(self) -> str:
        return self.scope.removeprefix("ex ")

    @property
    def ex(self) -> bool:
        return self.scope.startswith("ex ")
