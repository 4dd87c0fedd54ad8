"""``origingraph store status|start|stop``: the background store service of the data directory
(``graph.service``). Commands start it on first use anyway; these report it, start it ahead of
time, or stop it now instead of after its idle time."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from graph.service import ServiceStatus, format_duration, parse_duration


def duration(text: str) -> float:
    """argparse type: a positive duration (``900``, ``90s``, ``15m``, ``1h``) in seconds."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _print(status: ServiceStatus, as_json: bool) -> None:
    if as_json:
        print(json.dumps(asdict(status), indent=2))
        return
    if status.stale_cleared:
        print(f"cleared a stale lock in {status.data_dir}: {status.stale_cleared}")
    if status.pid is None:
        print(f"store: {status.state} ({status.data_dir})")
        return
    owner = "store service" if status.mode == "service" else "in-process owner"
    idle = f", stops after {format_duration(status.idle_s)} idle" if status.mode == "service" and status.idle_s else ""
    print(f"store: {status.state} ({status.data_dir}) — {owner} pid {status.pid}, {status.uri or 'no port yet'}, "
          f"up {format_duration(round(status.up_s or 0))}, {status.clients} client(s){idle}")


def cmd_store(args: argparse.Namespace) -> int:
    from graph.service import ensure_service, service_status, stop_service
    from graph.store import StoreConfig

    config = StoreConfig.from_env()
    if config.uri:
        print(f"store: Neo4j at {config.uri} (NEO4J_URI); there is no embedded store to {args.action}")
        return 0
    data_dir = config.data_dir.resolve()
    if args.action == "start":
        ensure_service(data_dir, args.idle or config.idle_s)
    elif args.action == "stop":
        was = service_status(data_dir)
        status = stop_service(data_dir)
        if was.pid is not None and not args.json:
            print(f"stopped the store service pid {was.pid}")
        _print(status, args.json)
        return 0
    _print(service_status(data_dir), args.json)
    return 0


def add_parser(sub) -> None:
    store = sub.add_parser("store", help="the background store service: status, start, stop",
                           description=__doc__)
    store.add_argument("action", choices=("status", "start", "stop"))
    store.add_argument("--idle", type=duration,
                       help="with start: stop after this long without clients (default ORIGINGRAPH_STORE_IDLE or 15m)")
    store.add_argument("--json", action="store_true", help="print JSON")
    store.set_defaults(run=cmd_store)
