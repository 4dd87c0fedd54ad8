"""Command-line argument types shared by every ``origingraph`` command: errors name the bad value."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date written YYYY-MM-DD, got {text!r}") from None


def country(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise argparse.ArgumentTypeError(f"expected an ISO 3166-1 alpha-2 country code such as MY, got {text!r}")
    return code


def whole_number(what: str, low: int, high: int) -> Callable[[str], int]:
    """An argument type for a count from ``low`` to ``high`` (a bad one is an error naming ``what``, not a
    traceback from deep inside the command)."""

    def parse(text: str) -> int:
        count = int(text) if text.strip().isdigit() else None
        if count is None or not low <= count <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {what} from {low:,} to {high:,}")
        return count

    return parse
