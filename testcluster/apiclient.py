"""A minimal Kubernetes API client (stdlib only) for bootstrapping and health.

It must run where the apiserver is reachable, i.e. inside the cluster's
network namespace.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.parse
from pathlib import Path
from typing import Any

JSON = dict[str, Any]


class ApiError(RuntimeError):
    """A non-2xx answer from the apiserver."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status


class ApiClient:
    """Speaks JSON to one apiserver with a client certificate."""

    def __init__(self, server: str, ca: Path, cert: Path, key: Path, timeout: float = 10.0) -> None:
        url = urllib.parse.urlsplit(server)
        self._host = url.hostname or "127.0.0.1"
        self._port = url.port or 443
        self._timeout = timeout
        self._ctx = ssl.create_default_context(cafile=str(ca))
        self._ctx.load_cert_chain(str(cert), str(key))

    def request(
        self,
        method: str,
        path: str,
        body: JSON | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, str]:
        """Send one request; returns (status, body text)."""
        conn = http.client.HTTPSConnection(
            self._host, self._port, context=self._ctx, timeout=self._timeout
        )
        try:
            payload = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": content_type, "Accept": "application/json"}
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            conn.close()

    def get(self, path: str) -> JSON | None:
        """GET an object; None if it does not exist."""
        status, text = self.request("GET", path)
        if status == 404:
            return None
        if status >= 300:
            raise ApiError(status, text)
        result: JSON = json.loads(text)
        return result

    def create(self, collection: str, obj: JSON) -> None:
        """POST an object into a collection path; an existing object is kept."""
        status, text = self.request("POST", collection, obj)
        if status >= 300 and status != 409:
            raise ApiError(status, text)

    def ready(self) -> bool:
        """Whether /readyz answers ok."""
        try:
            status, _ = self.request("GET", "/readyz")
        except OSError:
            return False
        return status == 200
