"""The HTTP/1.1 protocol ``origingraph serve`` runs: uvicorn's httptools parser (llhttp, in C), with
the request-target bound answered as the problem the app itself answers.

uvicorn's pure-Python h11 protocol cost more than half of the server's CPU for a warm rules answer;
httptools parses and writes the same requests for a fraction. Its parser refuses a request head past
about 64 KB with a bare ``400``; this protocol stops reading a target as soon as it is longer than
``api.limits.MAX_URL_BYTES`` and answers the ``414 uri-too-long`` problem (``application/problem+json``,
connection closed), whatever the target's length, so a 100 KB or a 20 MB URL gets the same answer
as a 9 KB one (which ``api.limits.BodyLimits`` answers for any other ASGI server).
"""

from __future__ import annotations

from urllib.parse import unquote

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.limits import MAX_URL_BYTES, target_too_long
from api.problems import MEDIA_TYPE, Problem, render_problem


class _TargetTooLong(Exception):
    """Raised from the parser's URL callback: it stops llhttp, which uvicorn reports as a bad request."""


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the request-target bound (see the module)."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._target_too_long = False

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_URL_BYTES:
            self._target_too_long = True
            raise _TargetTooLong

    def send_400_response(self, msg: str) -> None:
        if not getattr(self, "_target_too_long", False):
            super().send_400_response(msg)
            return
        path, query, _ = self.url.partition(b"?")
        problem = target_too_long(None)
        body = render_problem(Problem(
            type=f"/problems/{problem.slug}", title=problem.title or "", status=problem.status,
            detail=problem.detail, instance=unquote(path.decode("latin-1")) if query else None,
        ).model_dump(mode="json", exclude_none=True))
        head = [b"HTTP/1.1 414 URI Too Long\r\n"]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [b"content-type: " + MEDIA_TYPE.encode() + b"\r\n",
                 b"content-length: " + str(len(body)).encode() + b"\r\n", b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
