"""The pure evaluation core: typed inputs in (:mod:`engine.models`), a :class:`Verdict` out.

No I/O, no database, no clock: the graph layer supplies the applicable instrument, PSR,
cumulation and HS correlation facts; the same inputs always give the same verdict.
"""

from engine.consignment import ConsignmentResult, check_consignment
from engine.criteria import (AllOf, AnyOf, Criterion, MaxNom, RuleSyntaxError, Rvc,
                             SpecificProcess, TariffShift, WhollyObtained, parse_rule,
                             render_rule)
from engine.evaluate import evaluate
from engine.fungible import Allocation, FungibleError, allocate
from engine.models import (CodeMapping, ConsignmentTerms, Cumulation, Evaluation, FobRule,
                           FungibleStock, FungibleTerms, Instrument, Leg, Material,
                           Processing, Product, ProofOption, Psr, Receipt, Shipment,
                           SupplierDeclaration, Tolerance, TraceFact)
from engine.proof import ProofChoice, ProofRequirement, proof_requirement
from engine.verdict import (CriterionResult, CumulatedMaterial, FungibleUse, Numbers,
                            Qualification, Trace, Verdict)

__all__ = [
    "AllOf", "Allocation", "AnyOf", "CodeMapping", "ConsignmentResult", "ConsignmentTerms",
    "Criterion", "CriterionResult", "CumulatedMaterial", "Cumulation", "Evaluation",
    "FobRule", "FungibleError", "FungibleStock", "FungibleTerms", "FungibleUse",
    "Instrument", "Leg", "Material", "MaxNom", "Numbers", "Processing", "Product",
    "ProofChoice", "ProofOption", "ProofRequirement", "Psr", "Qualification", "Receipt",
    "RuleSyntaxError", "Rvc", "Shipment", "SpecificProcess", "SupplierDeclaration",
    "TariffShift", "Tolerance", "Trace", "TraceFact", "Verdict", "WhollyObtained",
    "allocate", "check_consignment", "evaluate", "parse_rule", "proof_requirement",
    "render_rule",
]
