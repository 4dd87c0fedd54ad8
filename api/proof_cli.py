"""``origingraph proof``: is a proof of origin of this type, issued on X, accepted when presented on Y?"""

from __future__ import annotations

import argparse
from decimal import Decimal

from api.arguments import country, iso_date


def cmd_proof(args: argparse.Namespace) -> int:
    from graph.proof import proof_accepted
    from graph.store import open_store

    with open_store() as store:
        answer = proof_accepted(store, args.exporter, args.importer, args.type, args.issued, args.presented,
                                args.invoice_value, args.currency)
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    print(f"{answer.proof} issued {answer.issued}, presented {answer.presented}: "
          f"{answer.exporter} -> {answer.importer}")
    for a in answer.answers:
        print(f"  {a.instrument:<16} {'ACCEPTED' if a.accepted else 'NOT ACCEPTED'}: {a.reason}"
              + (f" [{a.article}]" if a.article else ""))
    for note in answer.notes:
        print(f"  {note}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("proof", help="is a proof of origin issued on a date accepted when presented on another",
                       description=__doc__)
    p.add_argument("--exporter", type=country, required=True)
    p.add_argument("--importer", type=country, required=True)
    p.add_argument("--type", required=True, help="the proof option's name, e.g. 'Form D (old format)'")
    p.add_argument("--issued", type=iso_date, required=True, help="day it was issued (or the declaration made)")
    p.add_argument("--presented", type=iso_date, required=True, help="day it is presented to the importing customs")
    p.add_argument("--invoice-value", type=Decimal, help="invoice value, checked against an option's value limits")
    p.add_argument("--currency", type=str.upper, help="currency of --invoice-value (e.g. USD, EUR)")
    p.add_argument("--json", action="store_true", help="print JSON (the GET /v1/proof/acceptance response)")
    p.set_defaults(run=cmd_proof)
