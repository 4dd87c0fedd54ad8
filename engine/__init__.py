"""The pure evaluation core: typed inputs in (:mod:`engine.models`), a :class:`Verdict` out.

No I/O, no database, no clock: the graph layer supplies the applicable instrument, PSR,
cumulation and HS correlation facts; the same inputs always give the same verdict.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module defining it, imported on first use: a caller needing one model
# (``from engine.models import Shipment``) does not pay for importing the whole engine. The
# ``evaluate`` function is imported from :mod:`engine.evaluate` itself: a lazy package attribute of
# the same name as a submodule would be replaced by that module once anything imports it.
_HOMES = {
    "engine.criteria": ("AllOf", "AnyOf", "Criterion", "MaxNom", "RuleSyntaxError", "Rvc", "SpecificProcess",
                        "TariffShift", "WhollyObtained", "parse_rule", "render_rule"),
    "engine.fungible": ("Allocation", "FungibleError", "allocate"),
    "engine.models": ("CodeMapping", "ConsignmentTerms", "Cumulation", "Evaluation", "FobRule", "FungibleStock",
                      "FungibleTerms", "Instrument", "Leg", "Material", "Processing", "Product", "ProofOption",
                      "Psr", "Receipt", "Shipment", "SupplierDeclaration", "Tolerance", "TraceFact"),
    "engine.terms": ("OriginTerms",),
    "engine.terms.consignment": ("ConsignmentResult", "check_consignment"),
    "engine.terms.proof": ("ProofChoice", "ProofRequirement", "proof_requirement"),
    "engine.verdict": ("CriterionResult", "CumulatedMaterial", "FungibleUse", "Numbers", "Qualification", "Trace",
                       "Verdict"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME_OF)


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME_OF[name]), name)
    globals()[name] = value
    return value
