"""``origingraph proof``: is a proof of origin of this type, issued on X, accepted when presented on Y?
``origingraph terms``: what the instruments binding a pair say about tolerance, mixed stock, transit,
proofs, origin-criterion codes and records, each with its source."""

from __future__ import annotations

import argparse
from decimal import Decimal

from api.arguments import country, iso_date

#: ``engine.terms.fungible.FUNGIBLE_METHODS``, written out so ``--help`` does not import the engine (a test
#: keeps the two equal).
INVENTORY_METHODS = ("fifo", "lifo", "average")


def cmd_proof(args: argparse.Namespace) -> int:
    from api.cli import as_json
    from graph.proof import proof_accepted
    from graph.store import open_store

    with open_store() as store:
        answer = proof_accepted(store, args.exporter, args.importer, args.type, args.issued, args.presented,
                                args.invoice_value, args.currency)
    if args.json:
        print(as_json(answer))
        return 0
    print(f"{answer.proof} issued {answer.issued}, presented {answer.presented}: "
          f"{answer.exporter} -> {answer.importer}")
    for a in answer.answers:
        print(f"  {a.instrument:<16} {'ACCEPTED' if a.accepted else 'NOT ACCEPTED'}: {a.reason}"
              + (f" [{a.article}]" if a.article else ""))
        if a.alternatives:
            print(f"  {'':<16} other proofs it could use: {', '.join(a.alternatives)}")
    for note in answer.notes:
        print(f"  {note}")
    return 0


def cmd_terms(args: argparse.Namespace) -> int:
    from api.cli import as_json
    from graph.proof import origin_terms
    from graph.store import open_store

    with open_store() as store:
        report = origin_terms(store, args.exporter, args.importer, args.date, args.invoice_value, args.currency,
                              args.goods_from_stock)
    if args.json:
        print(as_json(report))
        return 0
    print(f"origin terms {report.exporter} -> {report.importer} on {report.date}")
    for a in report.answers:
        print(f"  {a.instrument}" + (f" (terms of {a.terms_defined_by})" if a.terms_defined_by not in
                                     (None, a.instrument) else ""))
        t = a.tolerance
        print("    tolerance: " + (f"{t.percent}% of {t.basis}" + (f", textiles {t.textile_weight_percent}% by weight"
                                                                    if t.textile_weight_percent is not None else "")
                                    + (f" [{t.article}]" if t.article else "") if t else "not recorded"))
        f = a.fungible
        print("    mixed stock: " + (f"{f.scope.replace('_', ' ')}, {', '.join(f.methods)}"
                                      + (", prior authorisation" if f.needs_authorisation else "")
                                      + (f" [{f.article}]" if f.article else "") if f else "not recorded"))
        if a.goods_from_stock:
            g = a.goods_from_stock
            print(f"    finished goods from mixed stock ({g.method}): {'ALLOWED' if g.allowed else 'REFUSED'}: {g.reason}")
        c = a.consignment
        print(f"    transit: {', '.join(c.permitted_operations)}" + (f" [{c.article}]" if c.article else ""))
        for o in a.proofs:
            print(f"    proof: {o.name}" + (f" (requires {o.requires})" if o.requires else "")
                  + (f" [{o.article}]" if o.article else "") + (f": {o.note}" if o.note else ""))
        for o in a.proofs_rejected:
            print(f"    not offered: {o.name}: {o.why}")
        if a.criterion_codes:
            k = a.criterion_codes
            print("    origin-criterion codes: " + (", ".join(f"{v}={b}" for b, v in k.codes.items()) if k.determined
                                                    else f"undetermined: {k.reason}"))
        print(f"    records: {a.retention_years} years" if a.retention_years else "    records: not recorded")
        if a.not_recorded:
            print(f"    not recorded: {'; '.join(a.not_recorded)}")
        if a.source:
            print(f"    source: {a.source}")
    for note in report.notes:
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

    t = sub.add_parser("terms", help="what the instruments binding a pair say about tolerance, mixed stock, transit,"
                                     " proofs and records", description=__doc__)
    t.add_argument("--exporter", type=country, required=True)
    t.add_argument("--importer", type=country, required=True)
    t.add_argument("--date", type=iso_date, required=True, help="day of the shipment")
    t.add_argument("--invoice-value", type=Decimal, help="invoice value, checked against a proof's value limits")
    t.add_argument("--currency", type=str.upper, help="currency of --invoice-value (e.g. USD, EUR)")
    t.add_argument("--goods-from-stock", choices=INVENTORY_METHODS, metavar="METHOD",
                   help=f"also ask whether finished goods from mixed stock may be accounted for by METHOD"
                        f" ({', '.join(INVENTORY_METHODS)})")
    t.add_argument("--json", action="store_true", help="print JSON (the GET /v1/proof/terms response)")
    t.set_defaults(run=cmd_terms)
