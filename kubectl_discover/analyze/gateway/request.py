"""The request a client sends, as routing sees it: parsed once from a URL, curl-style
``-H`` headers (``Host:`` overrides the URL's host) and a method."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from kubectl_discover.errors import InputError

# ---------------------------------------------------------------- the request


@dataclass(frozen=True)
class Request:
    scheme: str
    host: str
    """Lower case, without port or trailing dot."""
    port: int
    """The port connected to (the scheme's default when the URL has none)."""
    path: str
    query: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    """(lower-case name, value), in order."""
    url: str = ""

    @property
    def grpc(self) -> bool:
        """A gRPC request: its content-type is application/grpc (or +proto, ...)."""
        value = self.header("content-type") or ""
        return value.lower().startswith("application/grpc")

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for n, v in self.headers if n == name), None)

    def query_value(self, name: str) -> str | None:
        """The first value of a repeated parameter (the spec's recommendation)."""
        return next((v for n, v in self.query if n == name), None)

    def describe(self) -> str:
        return self.url or f"{self.scheme}://{self.host}:{self.port}{self.path}"


def parse_request(url: str, *, method: str = "GET", headers: Sequence[str] = ()) -> Request:
    """A request from a URL plus curl-style ``-H 'Name: value'`` headers and a method.

    ``-H 'Host: name[:port]'`` replaces the URL's host (and port, when given) as curl
    does. InputError with one line when something is unusable.
    """
    text = url.strip()
    if not text or any(c.isspace() for c in text):
        raise InputError(f"invalid URL {url!r}: it must be one word like https://host/path")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"invalid URL {url!r}: scheme must be http or https, not {scheme!r}")
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"invalid URL {url!r}: the port is not a number 1-65535") from None
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise InputError(f"invalid URL {url!r}: it has no host")
    parsed: list[tuple[str, str]] = []
    for raw in headers:
        name, colon, value = raw.partition(":")
        name = name.strip()
        if not colon or not name or any(c.isspace() for c in name):
            raise InputError(f"invalid header {raw!r}: write it as 'Name: value'")
        parsed.append((name.lower(), value.strip()))
    for name, value in parsed:
        if name == "host":
            override = urlsplit(f"//{value}")
            try:
                override_port = override.port
            except ValueError:
                raise InputError(f"invalid Host header {value!r}: bad port") from None
            host = (override.hostname or "").rstrip(".").lower() or host
            if override_port is not None:
                port = override_port
    method = method.strip().upper() or "GET"
    return Request(
        scheme=scheme,
        host=host,
        port=port if port is not None else (443 if scheme == "https" else 80),
        path=parts.path or "/",
        query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
        method=method,
        headers=tuple(parsed),
        url=url.strip(),
    )
