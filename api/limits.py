"""Bounds on what one request may cost: URL length, body size, the text a body may hold, the materials a
BOM may have, and the time (and threads) a BOM evaluation may take.

Every bound answers an RFC 9457 problem naming what was exceeded and the setting that raises it:

- ``ORIGINGRAPH_MAX_BODY_BYTES`` (default 10 MB): a larger body is a 413, decided from
  ``Content-Length`` before reading, or while reading a chunked body (never more than the limit is
  buffered).
- a request target (path and query) longer than ``MAX_URL_BYTES`` is a 414.
- a JSON, YAML or CSV body must be UTF-8 text (else 422), without control characters (C0 other than
  tab, LF and CR; DEL; C1, U+0080-U+009F) and without ``\\uD800``-style escapes of lone surrogates,
  which are not Unicode text (422 naming the line).
- ``ORIGINGRAPH_MAX_MATERIALS`` (default 10,000) materials in one BOM document (422).
- ``ORIGINGRAPH_EVALUATE_SECONDS`` (default 10): a BOM parse or evaluation still running then is
  answered 503 ``time-limit-exceeded``; ``ORIGINGRAPH_BOM_WORKERS`` (default 4) of them run at once,
  counting ones whose client was already answered. They run on daemon threads, so one still running
  never keeps the server from stopping.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import ApiProblem, FieldError, problem_response

T = TypeVar("T")

MAX_URL_BYTES = 8192
TEXT_TYPES = ("application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml",
              "text/csv", "application/csv")

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_LONE_SURROGATE = re.compile(r"(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                             r"|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                             r"|\\U0000[dD][89a-fA-F][0-9a-fA-F]{2}")


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected a positive number") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r}: expected a positive number")
    return value


@dataclass(frozen=True)
class Limits:
    """The bounds in force, read from the environment when the app is created."""

    max_body_bytes: int = 10 * 1024 * 1024
    max_materials: int = 10_000
    evaluate_seconds: float = 10.0
    bom_workers: int = 4

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(max_body_bytes=int(_setting("ORIGINGRAPH_MAX_BODY_BYTES", cls.max_body_bytes)),
                   max_materials=int(_setting("ORIGINGRAPH_MAX_MATERIALS", cls.max_materials)),
                   evaluate_seconds=_setting("ORIGINGRAPH_EVALUATE_SECONDS", cls.evaluate_seconds),
                   bom_workers=int(_setting("ORIGINGRAPH_BOM_WORKERS", cls.bom_workers)))


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def text_problem(raw: bytes) -> ApiProblem | None:
    """Why ``raw`` is not a text body this API reads, or None."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line})"
        return ApiProblem(422, f"the body is {message}; send UTF-8", slug="invalid-encoding",
                          title="Body is not UTF-8", errors=[FieldError(field="body", line=line, message=message)])
    bad = _CONTROL.search(text)
    if bad:
        line = _line(text, bad.start())
        message = f"control character U+{ord(bad.group()):04X} (only tab, LF and CR are allowed)"
        return ApiProblem(422, f"the body has a {message} on line {line}", slug="invalid-text",
                          title="Body has characters that are not text",
                          errors=[FieldError(field="body", line=line, message=message)])
    lone = _LONE_SURROGATE.search(text)
    if lone:
        line = _line(text, lone.start())
        message = f"escape {lone.group()} is a lone UTF-16 surrogate, not a character"
        return ApiProblem(422, f"the body has a lone surrogate escape {lone.group()} on line {line}",
                          slug="invalid-text",
                          title="Body has characters that are not text",
                          errors=[FieldError(field="body", line=line, message=message)])
    return None


def target_too_long(length: int | None) -> ApiProblem:
    """The 414 for a request target of ``length`` bytes (``None``: reading stopped past the bound)."""
    size = f"{length} bytes" if length is not None else f"more than {MAX_URL_BYTES} bytes"
    return ApiProblem(414, f"the request target is {size}; at most {MAX_URL_BYTES} are read",
                      slug="uri-too-long", title="URI too long")


class BodyLimits:
    """ASGI middleware: the URL and body bounds, checked before any route runs; the body is read once,
    bounded, and handed on as it came."""

    def __init__(self, app: ASGIApp, limits: Limits):
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string") or b"")
        if target > MAX_URL_BYTES:
            await self._answer(scope, receive, send, target_too_long(target))
            return
        headers = Headers(scope=scope)
        limit = self.limits.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._answer(scope, receive, send, self._too_large(int(declared)))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._answer(scope, receive, send, self._too_large(None))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if body and (media in TEXT_TYPES or media.endswith("+json")):
            problem = text_problem(body)
            if problem is not None:
                await self._answer(scope, receive, send, problem)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self, declared: int | None) -> ApiProblem:
        size = f"{declared} bytes" if declared is not None else "more than that"
        return ApiProblem(413, f"the body is {size}; at most {self.limits.max_body_bytes} bytes are read "
                               "(ORIGINGRAPH_MAX_BODY_BYTES)", slug="body-too-large", title="Body too large",
                          errors=[FieldError(field="body", message=f"at most {self.limits.max_body_bytes} bytes")])

    @staticmethod
    async def _answer(scope: Scope, receive: Receive, send: Send, problem: ApiProblem) -> None:
        headers = {"Connection": "close"} if problem.status in (413, 414) else None
        response = problem_response(Request(scope), problem.status, problem.detail, slug=problem.slug,
                                    title=problem.title, errors=problem.errors, headers=headers)
        await response(scope, receive, send)


def count_materials(materials: Any, limit: int) -> int:
    """How many materials a BOM tree has, counted without recursion and stopping past ``limit``."""
    count, pending = 0, list(materials or ())
    while pending and count <= limit:
        material = pending.pop()
        count += 1
        pending.extend(getattr(material, "components", None) or ())
    return count


def check_material_count(materials: Any, limits: Limits) -> None:
    count = count_materials(materials, limits.max_materials)
    if count > limits.max_materials:
        raise ApiProblem(422, f"the BOM has more than {limits.max_materials} materials (ORIGINGRAPH_MAX_MATERIALS)",
                         slug="too-many-materials", title="BOM too large",
                         errors=[FieldError(field="body.bom", message=f"at most {limits.max_materials} materials")])


class BomWorkers:
    """Daemon threads for BOM work, at most ``limits.bom_workers`` at once, each awaited for at most
    ``limits.evaluate_seconds``; one still running after its answer holds its slot until it ends."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.bom_workers)

    async def run(self, work: Callable[[], T], what: str) -> T:
        loop = asyncio.get_running_loop()
        seconds = self.limits.evaluate_seconds
        deadline = loop.time() + seconds
        while not self._slots.acquire(blocking=False):
            if loop.time() >= deadline:
                raise self._exceeded(what, f"no BOM worker was free within {seconds:g} s")
            await asyncio.sleep(0.05)
        done: asyncio.Future[T] = loop.create_future()

        def settle(outcome: Callable[[], None]) -> None:
            if not done.done():
                outcome()

        def target() -> None:
            try:
                value = work()
            except BaseException as exc:  # handed to the awaiting request, which maps it
                _call_soon(loop, settle, functools.partial(done.set_exception, exc))
            else:
                _call_soon(loop, settle, functools.partial(done.set_result, value))
            finally:
                self._slots.release()

        threading.Thread(target=target, name=f"origingraph {what}", daemon=True).start()
        try:
            return await asyncio.wait_for(asyncio.shield(done), max(deadline - loop.time(), 0.01))
        except TimeoutError:
            done.add_done_callback(_settled_unheard)
            raise self._exceeded(what, f"it was still running after {seconds:g} s") from None

    @staticmethod
    def _exceeded(what: str, why: str) -> ApiProblem:
        return ApiProblem(503, f"the {what} was stopped waiting: {why} (ORIGINGRAPH_EVALUATE_SECONDS); a smaller "
                               "BOM, or a retry when the server is less busy, may succeed",
                          slug="time-limit-exceeded", title="Time limit exceeded", headers={"Retry-After": "5"})


def _settled_unheard(done: asyncio.Future[Any]) -> None:
    """Work that ended after its request was answered: its outcome is dropped on purpose."""
    if not done.cancelled():
        done.exception()


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: Any) -> None:
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:  # the loop closed (the server stopped) while the work ran: nobody awaits it
        pass
