"""One authenticated connection to the API server, and the one place errors are mapped.

:func:`connect` resolves the kubeconfig and context the way kubectl does and returns a
:class:`Session`. Every request of the plugin goes through :meth:`Session.send_json`,
so retry policy and the mapping of failures to :mod:`kubectl_discover.errors` live
here and nowhere else:

- unknown context, missing or malformed kubeconfig -> :class:`~errors.InputError` (exit 2);
- refused connection, DNS failure, TLS failure, timeout, 401, 5xx after retries ->
  :class:`~errors.ClusterAccessError` (exit 3), one line naming the server;
- 429 (and 5xx on reads) -> retried, honouring ``Retry-After`` within a fixed bound;
- 403 -> :class:`Forbidden`, which callers turn into a :class:`snapshot.Unavailable`;
- 404 -> :class:`ApiNotFound`, which callers interpret (missing object, unserved API).

The ``kubernetes`` package is imported lazily inside functions, so importing this module
costs nothing; responses are decoded with :func:`json.loads` on the raw body, never into
the client's model classes.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union
from urllib.parse import urlencode, urlsplit

from kubectl_discover import __version__
from kubectl_discover.errors import ClusterAccessError, InputError, NotFoundError
from kubectl_discover.snapshot import Unavailable

Params = Union[Mapping[str, Union[str, int]], Iterable[tuple[str, Union[str, int]]]]
"""Query parameters: a mapping or (name, value) pairs, encoded in order."""

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
"""Where a pod finds its ServiceAccount token, CA certificate and namespace."""

MAX_ATTEMPTS = 4
"""One request plus at most three retries (429, and 5xx or a dropped connection on reads)."""

MAX_RETRY_WAIT = 5.0
"""Longest single wait honoured from ``Retry-After``: a CLI must answer, not hang."""

DEFAULT_RETRY_WAIT = 1.0
"""Wait after a 429 without ``Retry-After`` (client-go also defaults to one second)."""

SERVER_ERROR_BACKOFF = (0.5, 1.0, 2.0)
"""Waits before the retries of a read that got a 5xx without ``Retry-After``."""

_IDEMPOTENT = frozenset({"GET", "HEAD"})


class Forbidden(ClusterAccessError):
    """The API server refused one request (403): RBAC does not grant ``verb`` on ``resource``.

    A loader turns it into :class:`snapshot.Unavailable` and carries on, so that checks
    needing the resource report themselves as skipped. It is still a
    :class:`ClusterAccessError`, so if nothing catches it the CLI exits 3 with one line.
    """

    def __init__(self, verb: str, resource: str, namespace: str, server_message: str = "") -> None:
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.server_message = server_message
        super().__init__(self.unavailable().describe())

    def unavailable(self) -> Unavailable:
        """The snapshot entry that records this refusal."""
        return Unavailable(
            resource=self.resource, verb=self.verb, namespace=self.namespace, reason="forbidden"
        )


class ApiNotFound(NotFoundError):
    """A 404: the named object does not exist, or the API group/version is not served."""

    def __init__(self, verb: str, resource: str, namespace: str, name: str) -> None:
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        where = f" in namespace {namespace}" if namespace else ""
        what = f"{resource} {name}" if name else f"resource type {resource}"
        super().__init__(f"{what} not found{where}")


@dataclass(frozen=True)
class RequestTarget:
    """What a request path addresses, for error messages and :class:`Forbidden`."""

    verb: str
    resource: str
    namespace: str
    name: str


def describe_request(method: str, path: str) -> RequestTarget:
    """Parse ``/api/v1/namespaces/shop/services/web`` into verb, resource, namespace, name.

    The verb is the Kubernetes one (``list`` for a collection GET, ``get`` for a named
    one) because that is what an RBAC rule has to grant.
    """
    parts = [p for p in urlsplit(path).path.split("/") if p]
    if (parts[:1] == ["api"] and len(parts) <= 2) or (parts[:1] == ["apis"] and len(parts) <= 3):
        # Discovery (/api, /apis, /apis/GROUP/VERSION): a non-resource URL, read with "get".
        return RequestTarget(verb="get", resource="/" + "/".join(parts), namespace="", name="")
    if parts[:1] == ["api"]:
        rest = parts[2:]
    elif parts[:1] == ["apis"]:
        rest = parts[3:]
    else:
        rest = parts
    namespace = ""
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    resource = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else ""
    if len(rest) > 2:
        resource = f"{resource}/{rest[2]}"
    verb = {
        "GET": "get" if name else "list",
        "POST": "create",
        "DELETE": "delete",
        "PUT": "update",
        "PATCH": "patch",
    }.get(method.upper(), method.lower())
    return RequestTarget(verb=verb, resource=resource, namespace=namespace, name=name)


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes


def _request_before_36(
    client: Any,
    method: str,
    target: str,
    body: Mapping[str, Any] | None,
    headers: Mapping[str, str],
) -> Callable[[tuple[float, float]], _Reply]:
    """What ``param_serialize`` + ``call_api`` do, for the kubernetes client before v36 (the
    newest on Python 3.9): add the credentials now; the returned call sends and reads."""
    merged = {**headers, **client.default_headers}
    client.update_params_for_auth(merged, [], ["BearerToken"])

    def send(timeout: tuple[float, float]) -> _Reply:
        response = client.request(
            method.upper(),
            client.configuration.host + target,
            headers=merged,
            body=dict(body) if body is not None else None,
            _preload_content=False,
            _request_timeout=timeout,
        )
        return _Reply(int(response.status), dict(response.headers), response.data)

    return send


def _call_api(client: Any, serialized: Any, timeout: tuple[float, float]) -> _Reply:
    response = client.call_api(*serialized, _request_timeout=timeout)
    data = response.read()
    return _Reply(status=int(response.status), headers=dict(response.headers), body=data)


def _bytes(body: Any) -> bytes:
    return body if isinstance(body, bytes) else str(body or "").encode()


@dataclass
class Session:
    """An authenticated client for one context, with a log of every request it made.

    ``api_client`` is the underlying ``kubernetes.client.ApiClient``; the probe code uses it
    (or :meth:`core_v1`) for what raw JSON requests cannot do, such as exec streams. All
    other requests should go through :meth:`send_json`/:meth:`get_json`/:meth:`list_all`
    so that they are counted and their errors mapped here.
    """

    api_client: Any
    context: str
    namespace: str
    server: str
    request_timeout: float = 10.0
    request_log: list[tuple[str, str]] = field(default_factory=list)
    """Every HTTP request sent, retries included: (method, path with query string)."""
    sleep: Callable[[float], None] = time.sleep
    """How retries wait; tests replace it to record waits instead of sleeping."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def requests(self) -> int:
        """How many HTTP requests this session has sent (retries count)."""
        with self._lock:
            return len(self.request_log)

    def core_v1(self) -> Any:
        """A ``kubernetes.client.CoreV1Api`` on this session's client (for exec and streams)."""
        from kubernetes.client import CoreV1Api

        return CoreV1Api(self.api_client)

    def close(self) -> None:
        """Release pooled connections."""
        self.api_client.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get_json(self, path: str, params: Params | None = None) -> dict[str, Any]:
        """GET ``path`` and return the decoded JSON object."""
        return self.send_json("GET", path, params)

    def list_all(
        self,
        path: str,
        params: Params | None = None,
        *,
        page_size: int = 500,
        each: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """Every item of a collection, fetched in pages of ``page_size`` (``limit``/``continue``).

        ``each`` is applied to the items of a page as soon as it arrives, so a caller that
        keeps only part of each object never holds a whole cluster's raw JSON at once.
        A continue token can expire on a busy cluster (410 Gone); like client-go's pager the
        list is then restarted once from the beginning.
        """
        base = list(_param_pairs(params))
        for attempt in range(2):
            try:
                return self._paginate(path, base, page_size, each)
            except _ContinueExpired:
                if attempt == 1:
                    raise ClusterAccessError(
                        f"the API server {self.server} kept expiring the list of {path}; "
                        "try again or use a smaller scope"
                    ) from None
        raise AssertionError("unreachable")

    def _paginate(
        self,
        path: str,
        base: list[tuple[str, str | int]],
        page_size: int,
        each: Callable[[dict[str, Any]], dict[str, Any]] | None,
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            page_params = [*base, ("limit", page_size)]
            if token:
                page_params.append(("continue", token))
            try:
                page = self.get_json(path, page_params)
            except _Gone:
                if token:
                    raise _ContinueExpired from None
                raise
            page_items = page.get("items") or []
            items.extend(page_items if each is None else map(each, page_items))
            token = str((page.get("metadata") or {}).get("continue") or "")
            del page, page_items  # let the raw page go before the next one arrives
            if not token:
                return items

    def send_json(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        body: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send one request (retrying where safe) and return the decoded JSON reply.

        This is the single place where HTTP outcomes become the plugin's exceptions.
        """
        query = urlencode(list(_param_pairs(params)))
        target = f"{path}?{query}" if query else path
        for attempt in range(MAX_ATTEMPTS):
            reply = self._send_once(method, target, body, headers)
            wait = self._retry_wait(method, reply, attempt)
            if wait is None:
                return self._decode(method, target, reply)
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _retry_wait(self, method: str, reply: _Reply | None, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None to stop (success, or out of retries)."""
        if attempt + 1 >= MAX_ATTEMPTS:
            return None
        if reply is None:  # connection dropped before a reply: safe to resend a read
            return SERVER_ERROR_BACKOFF[attempt] if method.upper() in _IDEMPOTENT else None
        if reply.status == 429:
            return _retry_after(reply.headers, DEFAULT_RETRY_WAIT)
        if reply.status >= 500 and method.upper() in _IDEMPOTENT:
            return _retry_after(reply.headers, SERVER_ERROR_BACKOFF[attempt])
        return None

    def _send_once(
        self,
        method: str,
        target: str,
        body: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> _Reply | None:
        """One HTTP exchange; None when the connection dropped mid-way (retryable)."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        request_headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
        if body is not None:
            request_headers["Content-Type"] = "application/json"
        request_headers.update(headers or {})
        with self._lock:
            self.request_log.append((method.upper(), target))
            # Credential plugins may refresh the token here; one thread at a time.
            if not hasattr(self.api_client, "param_serialize"):
                send = _request_before_36(self.api_client, method, target, body, request_headers)
            else:
                serialized = self.api_client.param_serialize(
                    method.upper(),
                    target,
                    header_params=request_headers,
                    body=dict(body) if body is not None else None,
                    auth_settings=["BearerToken"],
                )
                send = functools.partial(_call_api, self.api_client, serialized)
        timeout = (min(self.request_timeout, 10.0), self.request_timeout)
        try:
            return send(timeout)
        except urllib3.exceptions.ProtocolError:
            return None
        except urllib3.exceptions.MaxRetryError as exc:
            if isinstance(exc.reason, urllib3.exceptions.ProtocolError):
                return None
            raise self._unreachable(exc.reason or exc) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._unreachable(exc) from None
        except ApiException as exc:  # the client wraps TLS failures as status 0
            if exc.status:  # before v36 the client raises for every status outside 2xx
                return _Reply(int(exc.status), dict(exc.headers or {}), _bytes(exc.body))
            raise self._unreachable(exc) from None

    def _decode(self, method: str, target: str, reply: _Reply | None) -> dict[str, Any]:
        """Turn a final reply into JSON, or into the exception that explains it."""
        if reply is None:
            raise ClusterAccessError(
                f"the API server {self.server} closed the connection repeatedly ({method} {target})"
            )
        if 200 <= reply.status < 300:
            try:
                decoded = json.loads(reply.body or b"{}")
            except ValueError:
                raise ClusterAccessError(
                    f"the API server {self.server} sent a reply that is not JSON for {target}"
                ) from None
            if not isinstance(decoded, dict):
                raise ClusterAccessError(
                    f"the API server {self.server} sent unexpected JSON for {target}"
                )
            return decoded
        raise self._status_error(method, target, reply)

    def _status_error(self, method: str, target: str, reply: _Reply) -> Exception:
        what = describe_request(method, target)
        message = _server_message(reply.body)
        if reply.status == 401:
            return ClusterAccessError(
                f"the API server {self.server} rejected the credentials of context "
                f'"{self.context}" (401 Unauthorized): they are missing, invalid or expired; '
                "log in again or refresh the kubeconfig"
            )
        if reply.status == 403:
            return Forbidden(what.verb, what.resource, what.namespace, message)
        if reply.status == 404:
            return ApiNotFound(what.verb, what.resource, what.namespace, what.name)
        if reply.status == 410:
            return _Gone(
                f"the API server {self.server} answered 410 Gone to {what.verb} "
                f"{what.resource}: {message or 'the resource version is too old'}"
            )
        if reply.status == 429:
            return ClusterAccessError(
                f"the API server {self.server} is throttling requests (429 Too Many Requests) "
                f"and kept doing so after {MAX_ATTEMPTS} attempts"
            )
        if reply.status >= 500:
            detail = f": {message}" if message else ""
            return ClusterAccessError(
                f"the API server {self.server} failed with HTTP {reply.status} "
                f"after {MAX_ATTEMPTS} attempts ({what.verb} {what.resource}){detail}"
            )
        detail = f": {message}" if message else ""
        return ClusterAccessError(
            f"the API server {self.server} refused to {what.verb} {what.resource} "
            f"(HTTP {reply.status}){detail}"
        )

    def _unreachable(self, exc: BaseException) -> ClusterAccessError:
        return ClusterAccessError(
            f"cannot reach the API server {self.server} (context "
            f'"{self.context}"): {describe_transport_error(exc, self.request_timeout)}'
        )


class _Gone(ClusterAccessError):
    """410 Gone: a continue token or resourceVersion is too old."""


class _ContinueExpired(Exception):
    """A pagination token expired mid-list; the list must restart."""


def _param_pairs(params: Params | None) -> Iterable[tuple[str, str | int]]:
    if params is None:
        return ()
    if isinstance(params, Mapping):
        return tuple(params.items())
    return tuple(params)


def _retry_after(headers: Mapping[str, str], default: float) -> float:
    """The server's ``Retry-After`` in seconds (integer form), bounded by MAX_RETRY_WAIT."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), "")
    try:
        wait = float(raw) if raw else default
    except ValueError:
        wait = default
    return max(0.0, min(wait, MAX_RETRY_WAIT))


def _server_message(body: bytes) -> str:
    """The ``message`` of a Kubernetes Status reply, on one line; empty when absent."""
    try:
        status = json.loads(body or b"{}")
    except ValueError:
        return ""
    if not isinstance(status, dict):
        return ""
    return " ".join(str(status.get("message") or "").split())


def describe_transport_error(exc: BaseException, timeout: float) -> str:
    """A short, single-line reason for a failure below HTTP (no secrets, no traceback)."""
    import urllib3

    errors = urllib3.exceptions
    if isinstance(exc, errors.NameResolutionError):
        return "DNS lookup of the server name failed"
    if isinstance(exc, errors.NewConnectionError):  # a ConnectTimeoutError subclass
        return "connection refused" if "refused" in str(exc).lower() else _first_line(str(exc))
    if isinstance(exc, errors.ConnectTimeoutError):
        return f"connection timed out after {timeout:g}s"
    if isinstance(exc, (errors.ReadTimeoutError, TimeoutError)):
        return f"no reply within {timeout:g}s"
    if isinstance(exc, errors.SSLError) or "SSL" in type(exc).__name__ or "SSLError" in str(exc):
        return "TLS handshake failed: " + _first_line(str(exc), drop_prefix="SSLError")
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    return _first_line(text) or type(exc).__name__


def _first_line(text: str, drop_prefix: str = "") -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if drop_prefix and lines and lines[0].startswith(drop_prefix) and len(lines) > 1:
        lines = lines[1:]
    line = lines[0] if lines else ""
    return line[:200]


# --- kubeconfig resolution -------------------------------------------------------------


@dataclass(frozen=True)
class KubeconfigChoice:
    """Which kubeconfig files kubectl would read, in merge order, and why."""

    paths: tuple[str, ...]
    source: str
    """"--kubeconfig", "$KUBECONFIG", "~/.kube/config" or "in-cluster"."""


def kubeconfig_paths(kubeconfig: str | None, environ: Mapping[str, str]) -> KubeconfigChoice:
    """The files to merge, following kubectl's precedence.

    ``--kubeconfig`` names exactly one file, which must exist. ``$KUBECONFIG`` is a
    ``os.pathsep``-separated list; missing entries are skipped, as kubectl does. Otherwise
    ``~/.kube/config`` if it exists, else in-cluster configuration (empty ``paths``).
    """
    if kubeconfig:
        path = os.path.expanduser(kubeconfig)
        if not os.path.isfile(path):
            raise InputError(f"kubeconfig {kubeconfig}: no such file")
        return KubeconfigChoice((path,), "--kubeconfig")
    env = environ.get("KUBECONFIG", "")
    if env:
        listed = [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
        existing = tuple(dict.fromkeys(p for p in listed if os.path.isfile(p)))
        if not existing:
            raise InputError(f"KUBECONFIG={env}: none of the listed files exists")
        return KubeconfigChoice(existing, "$KUBECONFIG")
    home = os.path.expanduser("~/.kube/config")
    if os.path.isfile(home):
        return KubeconfigChoice((home,), "~/.kube/config")
    return KubeconfigChoice((), "in-cluster")


def _read_kubeconfig(path: str) -> dict[str, Any]:
    """Parse one kubeconfig file, turning every defect into one InputError line."""
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
    except OSError as exc:
        raise InputError(f"kubeconfig {path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"kubeconfig {path}:{where} is not valid YAML") from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise InputError(f"kubeconfig {path}: expected a mapping (kind: Config)")
    for key in ("clusters", "contexts", "users"):
        entries = loaded.get(key) or []
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
        ):
            raise InputError(f"kubeconfig {path}: '{key}' must be a list of named entries")
    return loaded


@dataclass(frozen=True)
class MergedKubeconfig:
    """kubectl's merge of several kubeconfig files: the first file to define a name wins."""

    current_context: str
    contexts: Mapping[str, Mapping[str, Any]]
    clusters: Mapping[str, Mapping[str, Any]]


def merge_kubeconfigs(paths: Iterable[str]) -> MergedKubeconfig:
    """Merge like kubectl: the first file setting current-context or a named entry wins."""
    current = ""
    merged: dict[str, dict[str, Mapping[str, Any]]] = {"contexts": {}, "clusters": {}}
    for path in paths:
        config = _read_kubeconfig(path)
        current = current or str(config.get("current-context") or "")
        for key, table in merged.items():
            for entry in config.get(key) or []:
                table.setdefault(entry["name"], entry.get(key[:-1]) or {})
    return MergedKubeconfig(current, merged["contexts"], merged["clusters"])


def choose_context(merged: MergedKubeconfig, context: str | None, source: str) -> str:
    """The context to use: ``--context``, else current-context; InputError if unusable."""
    name = context or merged.current_context
    known = ", ".join(sorted(merged.contexts)) or "none"
    if not name:
        raise InputError(
            f"kubeconfig ({source}) has no current-context; pass --context (available: {known})"
        )
    if name not in merged.contexts:
        raise InputError(f'context "{name}" not found in kubeconfig ({source}); available: {known}')
    cluster = str(merged.contexts[name].get("cluster") or "")
    if cluster not in merged.clusters:
        raise InputError(f'context "{name}" refers to cluster "{cluster}", which is not defined')
    return name


def connect(
    kubeconfig: str | None,
    context: str | None,
    *,
    request_timeout: float = 10.0,
    environ: Mapping[str, str] | None = None,
    service_account_dir: str = SERVICE_ACCOUNT_DIR,
) -> Session:
    """Open a session like kubectl would: same files, same context, same namespace.

    Raises InputError for configuration problems. No request is sent yet, so an
    unreachable server is only reported by the first request (ClusterAccessError).
    ``environ`` and ``service_account_dir`` default to the real ones; tests pass others.
    """
    env = os.environ if environ is None else environ
    choice = kubeconfig_paths(kubeconfig, env)
    if not choice.paths:
        return _connect_in_cluster(context, env, service_account_dir, request_timeout)
    merged = merge_kubeconfigs(choice.paths)
    name = choose_context(merged, context, choice.source)
    namespace = str(merged.contexts[name].get("namespace") or "default")
    configuration = _load_configuration(choice, name)
    return _session(configuration, name, namespace, request_timeout)


def _load_configuration(choice: KubeconfigChoice, context: str) -> Any:
    """A ``kubernetes.client.Configuration`` for ``context``; client errors become InputError."""
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import load_kube_config

    configuration = Configuration()
    try:
        with _ClientLogCapture() as logged:
            load_kube_config(  # type: ignore[no-untyped-call]
                config_file=os.pathsep.join(choice.paths),
                context=context,
                client_configuration=configuration,
                persist_config=False,  # never write back into the user's kubeconfig
            )
    except ConfigException as exc:
        raise InputError(f'kubeconfig ({choice.source}), context "{context}": {exc}') from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f'kubeconfig ({choice.source}), context "{context}" is malformed: '
            f"{type(exc).__name__} {exc}"
        ) from None
    if logged.messages:
        # The client logs (rather than raises) a failing credential plugin; the request
        # would then go out unauthenticated. Say what failed instead.
        raise ClusterAccessError(
            f'cannot get credentials for context "{context}": {_first_line(logged.messages[0])}'
        )
    return configuration


class _ClientLogCapture(logging.Handler):
    """Collects what the client logs at ERROR on the root logger while loading a kubeconfig.

    Without it, ``logging.error`` inside the client would configure the root logger and
    print to stderr, and only the CLI may write there.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> _ClientLogCapture:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        logging.getLogger().removeHandler(self)


def _connect_in_cluster(
    context: str | None, environ: Mapping[str, str], account_dir: str, request_timeout: float
) -> Session:
    """In-cluster configuration (service account token), used when no kubeconfig exists."""
    if context:
        raise InputError(f'context "{context}" not found: no kubeconfig file exists')
    if not environ.get("KUBERNETES_SERVICE_HOST"):
        raise InputError(
            "no kubeconfig found (--kubeconfig, $KUBECONFIG, ~/.kube/config) "
            "and not running inside a cluster"
        )
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    configuration = Configuration()
    loader: Any = InClusterConfigLoader(  # type: ignore[no-untyped-call]
        token_filename=os.path.join(account_dir, "token"),
        cert_filename=os.path.join(account_dir, "ca.crt"),
        environ=environ,
    )
    try:
        loader.load_and_set(configuration)
    except ConfigException as exc:
        raise InputError(f"in-cluster configuration: {exc}") from None
    try:
        with open(os.path.join(account_dir, "namespace"), encoding="utf-8") as handle:
            namespace = handle.read().strip() or "default"
    except OSError:
        namespace = "default"
    return _session(configuration, "in-cluster", namespace, request_timeout)


def _session(configuration: Any, context: str, namespace: str, request_timeout: float) -> Session:
    """Wrap a loaded configuration; our retry loop replaces urllib3's own retries."""
    import urllib3
    from kubernetes.client import ApiClient

    configuration.retries = urllib3.Retry(total=0, redirect=False, raise_on_redirect=False)
    client = ApiClient(configuration=configuration)
    client.user_agent = f"kubectl-discover/{__version__}"
    server = str(configuration.host).rstrip("/")
    return Session(
        api_client=client,
        context=context,
        namespace=namespace,
        server=server,
        request_timeout=request_timeout,
    )
