"""The API contract under fuzzing: Schemathesis generates requests (valid and invalid) from the served
OpenAPI document and sends them to a live ``origingraph serve`` (uvicorn on 127.0.0.1, over the
session's store), without and with the API key. No answer may be a 5xx, and every answer must be one
the document describes (status code, content type, body schema).

The examples per operation and generation mode are bounded (``FUZZ_EXAMPLES``, default 10) so the
suite stays fast; raise it to hunt. Writes are aimed at an instrument and a SKU the graph does not have,
so requests with the key are validated and authorised but change nothing (the counts are checked).

Hypothesis drives Schemathesis's strategies directly: its pytest plugin's lazy fixtures do not run on
this pytest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from graph.store import Store
from test_hostile_input import AUTH, _counts, serving

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live_port(seeded: Store) -> Iterator[int]:
    with serving(seeded) as (_, port):
        yield port


def _aimed_away(case) -> None:
    """Point a write at an instrument and a SKU the graph does not have."""
    if case.method in ("PUT", "DELETE") and case.path_parameters:
        if "code" in case.path_parameters:
            case.path_parameters["code"] = "FUZZ-NO-SUCH-INSTRUMENT"
        if "sku" in case.path_parameters:
            case.path_parameters["sku"] = "FUZZ-NO-SUCH-SKU"


@pytest.mark.parametrize("headers", [{}, AUTH], ids=["anonymous", "with-key"])
def test_no_5xx_and_every_answer_in_the_contract(live_port: int, seeded: Store, headers: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"http://127.0.0.1:{live_port}/openapi.json")
    before = _counts(seeded)
    failures: dict[str, str] = {}
    calls = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=cases)
        def exercise(case) -> None:
            nonlocal calls
            _aimed_away(case)
            calls += 1
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

        try:
            exercise()
        except Exception as exc:  # every operation is fuzzed; the failures are reported together
            failures[operation.label] = str(exc)[:3000]
    print(f"\n{calls} fuzzed requests ({'with the key' if headers else 'anonymous'}) in "
          f"{time.monotonic() - started:.1f} s")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    assert _counts(seeded) == before
