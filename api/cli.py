"""The ``origingraph`` command: load seeds, report the store, serve the API."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graph.embedded import EmbeddedStoreError
from graph.load import count_graph, load_seeds
from graph.store import Store, StoreError, open_store
from seeds.read import BUNDLED, SeedError, read_seeds


def _print_counts(store: Store) -> None:
    nodes, rels = count_graph(store)
    print(f"store: {store.kind} ({store.location}) — {store.server_agent()}")
    print("nodes:         " + ", ".join(f"{label} {n}" for label, n in nodes.items()))
    print("relationships: " + ", ".join(f"{kind} {n}" for kind, n in rels.items()))


def cmd_load(args: argparse.Namespace) -> int:
    seeds = read_seeds(args.seeds)
    with open_store() as store:
        summary = load_seeds(store, seeds)
        print(f"loaded {sum(summary.written.values())} facts from {args.seeds}")
        _print_counts(store)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with open_store() as store:
        if args.json:
            nodes, rels = count_graph(store)
            print(json.dumps({"store": store.kind, "location": store.location, "server": store.server_agent(),
                              "nodes": nodes, "relationships": rels}, indent=2))
        else:
            _print_counts(store)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="origingraph",
        description="Preferential rules of origin on a graph. Uses Neo4j when NEO4J_URI is set, "
                    "else an embedded store in ORIGINGRAPH_DATA.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="load the seed data into the store (idempotent, all-or-nothing)")
    load.add_argument("--seeds", type=Path, default=BUNDLED, help="seed directory (default: the bundled seeds)")
    load.set_defaults(run=cmd_load)

    status = sub.add_parser("status", help="which store is in use, and node / relationship counts")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(run=cmd_status)

    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except SeedError as exc:
        print(f"origingraph: {exc}\nnothing was written.", file=sys.stderr)
        return 2
    except (StoreError, EmbeddedStoreError) as exc:
        print(f"origingraph: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
