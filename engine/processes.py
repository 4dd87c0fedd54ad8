"""The controlled vocabulary of specific processes a rule may require (``SP(name)``).

Annexes name processes in prose ("weaving", "a chemical reaction", "printing accompanied by at least
two preparatory or finishing operations"); the rule-text compiler maps each wording it knows to one
name here, and a BOM declares which of these processes were carried out where. A name that is not
in this vocabulary is a rule syntax error, so a typo can never make a rule unreachable.
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

__all__ = ["PROCESSES", "Process", "is_process"]


class Process(BaseModel):
    """One named process: ``definition`` is the annex's own wording (or its introductory note's).

    ``wordings`` are the list-rule phrases (lower case, as the annexes spell them) that name exactly
    this process; the rule-text compiler (``seeds/formats/rule_text.py``) maps them to the name.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    definition: str
    source: str
    wordings: tuple[str, ...] = ()


def _vocabulary(*entries: tuple) -> MappingProxyType:
    return MappingProxyType({e[0]: Process(name=e[0], definition=e[1], source=e[2], wordings=tuple(e[3:]))
                             for e in entries})


_EU_LIST = "EU-style list rules (e.g. EU-Japan EPA Annex 3-B; UK Trade Tariff rules-of-origin data)"
_CHEM = ("Introductory notes on chemical rules (e.g. EU-Japan EPA Annex 3-A Note 5; UK-Japan CEPA "
         "Annex 3A)")

_TEXTILE_NOTE = ("Introductory note on textiles of EU-style lists (e.g. EU-UK TCA Annex ORIG-2, note on Section XI; "
                 "UK Trade Tariff rules-of-origin data)")
_EUJP = "EU-Japan EPA Annex 3-B as the UK-Japan CEPA data transcribes it (UK Trade Tariff rules-of-origin data)"
_CPTPP = "CPTPP Annex 4-A (product-specific rules), as the UK Trade Tariff data transcribes it"
_PETROLEUM_NOTE = "Introductory Note 7 (specific processes, Chapter 27) of EU-style lists (e.g. the EU origin protocols)"

PROCESSES = _vocabulary(
    ("cut-or-knit-to-shape-and-assembled",
     "the good is cut or knit to shape and sewn or otherwise assembled in the territory of one or more "
     "of the parties", "AANZFTA Annex 2, Chapter 61-62 rules; CPTPP Annex 4-A (\"the product is both cut (or "
     "knit to shape) and sewn or otherwise assembled in the territory of a Party\")",
     "the product is both cut (or knit to shape) and sewn or otherwise assembled in the territory of a party",
     "the good is both cut (or knit to shape) and sewn or otherwise assembled in the territory of a party",
     "the good is cut or knit to shape, or both, and sewn or otherwise assembled in the territory of one or more "
     "of the parties"),
    ("textile-dyeing", "dyeing of textile materials", _EU_LIST),
    ("knitting-and-making-up-in-one-operation", "knitting and making-up in one operation (the article is knitted "
     "to its final shape, as the list names it for Chapter 61)", _EUJP,
     "knitting and making-up in one operation"),
    ("blending-crushing-or-grinding", "blending, crushing or grinding (of spices, as the list names it for "
     "headings 09.04-09.10)", _EUJP, "blending, crushing or grinding"),
    ("diffusion", "the non-originating materials used undergo a diffusion (the list's wording for headings "
     "85.41-85.42)", _EUJP, "non-originating materials used undergo a diffusion"),
    ("bluefin-tuna-farming",
     "Atlantic Bluefin tuna (Thunnus thynnus) is subject to caging in farms with subsequent feeding and fattening or "
     "farming for a minimum period of three months in a Party; the duration is established from the date of the "
     "caging operation and the date of harvesting recorded in the electronic Bluefin tuna Catch Document (eBCD) of "
     "ICCAT", _EUJP,
     "production in which atlantic bluefin tuna (thunnus thynnus) is subject to caging in farms with subsequent "
     "feeding and fattening or farming for a minimum period of three months in a party. the duration of the "
     "fattening or farming shall be established according to the date of the caging operation and the date of "
     "harvesting recorded in the electronic bluefin tuna catch document (ebcd) of the international commission "
     "for the conservation of atlantic tunas (iccat)"),
    ("smoking", "the good is smoked from a good that is not smoked", _CPTPP,
     "the good is smoked from a good that is not smoked"),
    ("spinning", "spinning of fibres into yarn", _EU_LIST, "spinning"),
    ("weaving", "weaving of yarn into fabric", _EU_LIST, "weaving"),
    ("knitting", "knitting or crocheting of yarn into fabric or knit-to-shape articles", _EU_LIST, "knitting"),
    ("dyeing", "dyeing (of yarn, fabric or articles)", _EU_LIST, "dyeing"),
    ("printing", "printing of fabric", _EU_LIST, "printing"),
    ("chemical-reaction",
     "a process (including a biochemical process) which results in a molecule with a new structure by "
     "breaking intramolecular bonds and by forming new intramolecular bonds, or by altering the spatial "
     "arrangement of atoms in a molecule", _CHEM, "a chemical reaction", "chemical reaction"),
    # textile operations of the list rules (Section XI), each as the lists name it
    ("yarn-dyeing", "dyeing of yarn", _EU_LIST, "yarn dyeing"),
    ("printing-standalone",
     "printing as a standalone operation, as the list's introductory note on textiles defines it", _TEXTILE_NOTE,
     "printing (as standalone operation)"),
    ("printing-with-two-preparatory-or-finishing-operations",
     "printing accompanied by at least two preparatory or finishing operations (such as scouring, bleaching, "
     "mercerising, heat setting, raising, calendering, shrink resistance processing, permanent finishing, "
     "decatising, impregnating, mending and burling)", _EU_LIST,
     "printing accompanied by at least two preparatory or finishing operations"),
    ("flocking", "flocking of textile fabric", _EU_LIST, "flocking"),
    ("coating", "coating of textile fabric", _EU_LIST, "coating"),
    ("laminating", "laminating of textile fabric", _EU_LIST, "laminating", "lamination"),
    ("impregnating", "impregnating of textile fabric", _EU_LIST, "impregnating"),
    ("covering", "covering of textile fabric", _EU_LIST, "covering"),
    ("metalising", "metalising of textile fabric", _EU_LIST, "metalising", "metalizing"),
    ("tufting", "tufting (of carpets and other textile floor coverings)", _EU_LIST, "tufting"),
    ("crocheting", "crocheting of yarn", _EU_LIST, "crocheting"),
    ("fabric-formation", "formation of fabric (weaving, knitting, nonwoven or other fabric formation)", _EU_LIST,
     "fabric formation"),
    ("nonwoven-fabric-formation", "formation of a nonwoven fabric", _EU_LIST, "nonwoven fabric formation",
     "a non-woven process"),
    ("spinning-natural-fibres", "spinning of natural fibres", _EU_LIST, "spinning of natural fibres",
     "spinning of other natural fibres"),
    ("spinning-man-made-staple-fibres", "spinning of man-made staple fibres", _EU_LIST,
     "spinning of man-made staple fibres"),
    ("extrusion-man-made-fibres", "extrusion of man-made fibres", _EU_LIST, "extrusion of man-made fibres"),
    ("extrusion-man-made-filament-yarn", "extrusion of man-made filament yarn", _EU_LIST,
     "extrusion of man-made filament yarn"),
    ("extrusion-man-made-continuous-filament", "extrusion of man-made continuous filament", _EU_LIST,
     "extrusion of man-made continuous filament"),
    ("twisting", "twisting of yarn", _EU_LIST, "twisting"),
    ("texturing", "texturing of yarn", _EU_LIST, "texturing"),
    ("mechanical-operation", "any mechanical operation (on twisted yarn)", _EU_LIST, "any mechanical operation"),
    ("making-up", "making-up including cutting of fabric", _EU_LIST, "making-up including cutting of fabric",
     "making-up, including cutting of fabric", "making-up (including cutting)", "making-up including cutting",
     "making-up"),
    ("dyeing-of-yarn-of-natural-fibres", "dyeing of yarn of natural fibres", _EU_LIST,
     "dyeing of yarn of natural fibres"),
    # chemical rules (Chapters 28-40) as their introductory note defines them
    ("purification", "purification resulting in the elimination of at least 80% of the content of existing "
     "impurities, or the reduction or elimination of impurities resulting in a good suitable for one of the "
     "applications the note lists (pharmaceutical, analytical, micro-electronic, optical, biotechnical, separation "
     "carrier, nuclear grade uses)", _CHEM, "purification"),
    ("specific-process-chemical-note-9",
     "one of the processes Introductory Note 9 of the list defines for Chapters 28 to 39: production by cell "
     "culture or fermentation, chemical reaction, mixtures and blends, purification, change in particle size, "
     "standard materials, isomer separation", "UK-Iceland/Norway and UK-Switzerland/Liechtenstein lists, "
     "Introductory Note 9 (UK Trade Tariff rules-of-origin data)"),
    ("electrolytic-or-thermal-treatment", "manufacture by electrolytic or thermal treatment (of base metals, "
     "Chapter 76)", _EU_LIST, "thermal or electrolytic treatment", "electrolytic or thermal treatment"),
    ("mixing-and-blending", "the deliberate and proportionally controlled mixing or blending (including "
     "dispersing) of materials to conform to predetermined specifications, as the note defines it", _CHEM,
     "mixing and blending", "blending"),
    ("production-of-standard-materials", "production of standard materials (reference materials) as the note "
     "defines it", _CHEM, "production of standard materials"),
    ("change-in-particle-size", "the deliberate and controlled modification in particle size as the note "
     "defines it", _CHEM, "a change in particle size"),
    ("isomer-separation", "the isolation or separation of isomers from a mixture of isomers", _CHEM,
     "isomer separation"),
    ("biotechnological-processing", "biological or biotechnological culturing, hybridisation or genetic "
     "modification as the note defines it", _CHEM, "biotechnological processing"),
    # Chapter 27: refining and the specific processes of the introductory note
    ("refining", "refining (of mineral oils and other products of Chapter 27, or as the rule names it)", _EU_LIST,
     "refining", "operations of refining"),
    ("specific-process-petroleum",
     "a specific process of the list's introductory note on Chapter 27: vacuum distillation; redistillation by a "
     "very thorough fractionation process; cracking; reforming; extraction by means of selective solvents; the "
     "process comprising treatment with concentrated sulphuric acid, oleum or sulphuric anhydride, "
     "neutralisation with alkaline agents, decolourisation and purification with naturally active earth, "
     "activated earth, activated charcoal or bauxite; polymerisation; alkylation; isomerisation (and, for "
     "headings 2710 to 2712, the further processes the note lists)", _PETROLEUM_NOTE,
     "one or more specific process(es)"),
    ("diffusion-integrated-circuits",
     "the operation of diffusion, in which integrated circuits are formed on a semi-conductor substrate by the "
     "selective introduction of an appropriate dopant, whether or not assembled and/or tested outside the parties",
     _EU_LIST, *(f"the operation of diffusion{a}in which integrated circuits are formed on a semi-conductor substrate "
                 f"by the selective introduction of an appropriate dopant{b}, whether or not assembled and/or tested in "
                 f"{where}" for a, b in ((", ", ""), (" (", ")"))
                 for where in ("a country other than those specified in article 3",
                               "a country other than those specified in articles 3 and 4", "a non-party"))),
    ("separation-of-precious-metals", "Electrolytic, thermal or chemical separation of precious metals of heading "
     "7106, heading 7108 or heading 7110", _EU_LIST,
     "electrolytic, thermal or chemical separation of precious metals of heading 7106, heading 7108 or heading 7110",
     "electrolytic, thermal or chemical separation of non-originating precious metals of heading 7106, heading 7108 "
     "and heading 7110"),
    # single operations the lists name in prose; the definition is the list's wording
    *((name, wording, _EU_LIST, wording.lower()) for name, wording in (
        ("beading", "Beading"),
        ("moulding", "Moulding"),
        ("splicing", "Splicing"),
        ("planing", "Planing"),
        ("sanding", "Sanding"),
        ("end-jointing", "End-jointing"),
        ("finger-jointing", "Finger-jointing"),

        ("alloying-of-precious-metals", "Alloying of precious metals of heading 7106, heading 7108 or heading "
                                        "7110 with each other or with base metals"),
        ("fusion-or-alloying-of-precious-metals", "Fusion or alloying of precious metals of heading 7106, "
                                                  "heading 7108 or heading 7110 with each other or with base "
                                                  "metals"),
        ("finishing-of-forged-blanks", "Turning, drilling, reaming, threading, deburring and sandblasting of "
                                       "forged blanks"),
        ("cutting-of-glassware", "Cutting of glassware"),
        ("hand-decoration-of-glassware", "Hand-decoration (except silk-screen printing) of hand-blown "
                                         "glassware"),
        ("retreading-of-used-tyres", "Retreading of used tyres"),
        ("carding-or-combing-of-silk-waste", "Carding or combing of silk waste"),
        ("cleaning-of-bristles-and-hair", "Cleaning, disinfecting, sorting and straightening of bristles and "
                                          "hair"),
        ("grinding-of-mica", "Grinding of mica or mica waste"),

        ("enriching-of-graphite", "Enriching of the carbon content, purifying and grinding of crude crystalline "
                                  "graphite"),
        ("cutting-of-marble", "Cutting, by sawing or otherwise, of marble (even if already sawn) of a thickness "
                              "exceeding 25 cm"),
        ("cutting-of-stone", "Cutting, by sawing or otherwise, of stone (even if already sawn) of a thickness "
                             "exceeding 25 cm"),
        ("destructive-distillation-of-bituminous-materials", "Destructive distillation of bituminous materials"),
        ("refining-of-crude-tall-oil", "Refining of crude tall oil"),
        ("purification-of-sulphate-turpentine", "Purification by distillation or refining of raw spirits of "
                                                "sulphate turpentine"),
        ("bleaching-or-dyeing-of-furskins", "Bleaching or dyeing, in addition to cutting and assembly of "
                                            "non-assembled tanned or dressed furskins"),
        ("calcination-or-grinding-of-earth-colours", "Calcination or grinding of earth colours"),
        ("distillation-of-wood-tar", "Distillation of wood tar"),
        ("removal-of-wool-from-skins", "Removal of wool from sheep or lamb skins, with wool on"),
        ("lamination-of-natural-rubber-sheets", "Lamination of sheets of natural rubber"),
        ("calcination-of-dolomite", "Calcination of dolomite not calcined"),
        ("drying-and-milling-of-leguminous-vegetables", "Drying and milling of leguminous vegetables of heading "
                                                        "0708"),
        ("retanning-of-tanned-leather", "Retanning of tanned leather"),
        ("retanning-of-pre-tanned-leather", "Retanning of pre-tanned leather"),
    )),
)


def is_process(name: str) -> bool:
    """Is ``name`` a process of the vocabulary?"""
    return name in PROCESSES
