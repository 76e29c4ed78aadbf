"""The session layer without a cluster: kubeconfig resolution, and the mapping of faults.

Faults a real API server will not produce on demand (429, 5xx, timeouts, dropped
connections) are injected by replacing the urllib3 pool under the real kubernetes
client, so the whole client stack above the socket still runs. A refused connection
needs no injection: the tests point the session at a closed local port.
"""

from __future__ import annotations

import json
import socket
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3

from kubectl_discover.api import listing
from kubectl_discover.api.session import (
    MAX_ATTEMPTS,
    MAX_RETRY_WAIT,
    ApiNotFound,
    Forbidden,
    Session,
    connect,
    describe_request,
    kubeconfig_paths,
    merge_kubeconfigs,
)
from kubectl_discover.commands import POLICY_API_KINDS, SVC
from kubectl_discover.errors import (
    EXIT_CLUSTER,
    EXIT_INPUT,
    ClusterAccessError,
    InputError,
    NotFoundError,
)

TOKEN = "test-token-not-a-secret"


def write_kubeconfig(
    path: Path,
    *,
    server: str = "https://127.0.0.1:6443",
    contexts: dict[str, str | None] | None = None,
    current: str | None = "dev",
    cluster: str = "c1",
) -> Path:
    """A kubeconfig with one cluster, one token user and the given contexts -> namespace."""
    contexts = {"dev": "shop"} if contexts is None else contexts
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": server}}],
        "users": [{"name": "u1", "user": {"token": TOKEN}}],
        "contexts": [
            {
                "name": name,
                "context": {"cluster": cluster, "user": "u1"} | ({"namespace": ns} if ns else {}),
            }
            for name, ns in contexts.items()
        ],
    }
    if current is not None:
        config["current-context"] = current
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def closed_port() -> int:
    """A local TCP port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- kubeconfig resolution ---------------------------------------------------------------


def test_explicit_kubeconfig_that_does_not_exist_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        connect(str(tmp_path / "nope"), None, environ={})
    assert "no such file" in caught.value.message
    assert caught.value.exit_code == EXIT_INPUT


def test_explicit_kubeconfig_wins_over_environment(tmp_path: Path) -> None:
    a = write_kubeconfig(tmp_path / "a", server="https://a.example:6443")
    b = write_kubeconfig(tmp_path / "b", server="https://b.example:6443")
    session = connect(str(a), None, environ={"KUBECONFIG": str(b)})
    assert session.server == "https://a.example:6443"


def test_kubeconfig_env_list_skips_missing_files_and_keeps_order(tmp_path: Path) -> None:
    a = write_kubeconfig(tmp_path / "a")
    b = write_kubeconfig(tmp_path / "b")
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{b}:{a}:{b}"}
    choice = kubeconfig_paths(None, env)
    assert choice.paths == (str(b), str(a))
    assert choice.source == "$KUBECONFIG"


def test_kubeconfig_env_with_only_missing_files_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="none of the listed files"):
        kubeconfig_paths(None, {"KUBECONFIG": str(tmp_path / "x")})


def test_home_kubeconfig_is_the_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".kube").mkdir()
    home = write_kubeconfig(tmp_path / ".kube" / "config", server="https://home.example")
    assert kubeconfig_paths(None, {}).paths == (str(home),)
    assert connect(None, None, environ={}).server == "https://home.example"


def test_no_kubeconfig_and_not_in_a_pod_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(InputError, match="no kubeconfig found"):
        connect(None, None, environ={})


def test_merge_takes_current_context_and_names_from_the_first_file(tmp_path: Path) -> None:
    first = write_kubeconfig(
        tmp_path / "1", contexts={"dev": "shop"}, current="dev", server="https://one"
    )
    second = write_kubeconfig(
        tmp_path / "2",
        contexts={"dev": "other", "prod": None},
        current="prod",
        server="https://two",
    )
    merged = merge_kubeconfigs([str(first), str(second)])
    assert merged.current_context == "dev"
    assert merged.contexts["dev"]["namespace"] == "shop"
    assert set(merged.contexts) == {"dev", "prod"}
    assert merged.clusters["c1"]["server"] == "https://one"


def test_session_reports_context_namespace_and_server(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "k", contexts={"dev": "shop", "ops": None}, current="dev")
    dev = connect(str(path), None, environ={})
    assert (dev.context, dev.namespace, dev.server) == ("dev", "shop", "https://127.0.0.1:6443")
    ops = connect(str(path), "ops", environ={})
    assert (ops.context, ops.namespace) == ("ops", "default")
    assert ops.requests == 0, "connecting must not send a request"


def test_unknown_context_names_the_available_ones(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "k", contexts={"dev": None, "prod": None})
    with pytest.raises(InputError) as caught:
        connect(str(path), "staging", environ={})
    message = caught.value.message
    assert '"staging" not found' in message
    assert "dev, prod" in message
    assert "\n" not in message


def test_missing_current_context_asks_for_context(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "k", current=None)
    with pytest.raises(InputError, match="no current-context; pass --context"):
        connect(str(path), None, environ={})


def test_context_pointing_at_an_undefined_cluster(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: Config
            current-context: dev
            contexts: [{name: dev, context: {cluster: ghost, user: u}}]
            clusters: []
            users: []
            """
        )
    )
    with pytest.raises(InputError, match='cluster "ghost"'):
        connect(str(path), None, environ={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clusters: [\n  - name: a\n  bad: [", "line"),
        ("- just\n- a list\n", "expected a mapping"),
        ("contexts: 7\n", "'contexts' must be a list"),
    ],
)
def test_malformed_kubeconfig_is_one_input_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "k"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        connect(str(path), None, environ={})
    assert expected in caught.value.message
    assert str(path) in caught.value.message
    assert "\n" not in caught.value.message


def test_unreadable_client_certificate_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text(
        json.dumps(
            {
                "current-context": "dev",
                "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "u", "user": {"client-certificate": "missing.crt"}}],
            }
        )
    )
    with pytest.raises(InputError, match=r"missing\.crt"):
        connect(str(path), None, environ={})


# --- requests against a closed port (real refusal) ---------------------------------------


def test_connection_refused_is_a_cluster_access_error_naming_the_server(tmp_path: Path) -> None:
    server = f"https://127.0.0.1:{closed_port()}"
    session = connect(str(write_kubeconfig(tmp_path / "k", server=server)), None, environ={})
    with pytest.raises(ClusterAccessError) as caught:
        session.get_json("/api/v1/namespaces/shop/services")
    assert caught.value.exit_code == EXIT_CLUSTER
    assert server in caught.value.message
    assert "connection refused" in caught.value.message
    assert session.requests == 1, "a refused connection is not retried"


def test_unresolvable_server_name_says_dns(tmp_path: Path) -> None:
    """RFC 2606 reserves .invalid: the lookup fails without touching any real name."""
    server = "https://kd-test.invalid:6443"
    session = connect(str(write_kubeconfig(tmp_path / "k", server=server)), None, environ={})
    with pytest.raises(ClusterAccessError) as caught:
        session.get_json("/version")
    assert server in caught.value.message
    assert "DNS lookup of the server name failed" in caught.value.message


# --- scripted transport faults -----------------------------------------------------------

Reply = tuple[int, dict[str, str], Any] | BaseException


class ScriptedPool:
    """Stands in for urllib3's PoolManager under the real client; replays replies in order."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.calls: list[tuple[str, str, dict[str, str]]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> urllib3.HTTPResponse:
        self.calls.append((method, url, dict(kwargs.get("headers") or {})))
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        status, headers, body = reply
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return urllib3.HTTPResponse(body=raw, status=status, headers=headers, preload_content=False)

    def clear(self) -> None:
        """PoolManager.clear: nothing pooled here."""


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[Callable[[list[Reply]], tuple[Session, ScriptedPool]]]:
    sessions: list[Session] = []

    def make(replies: list[Reply]) -> tuple[Session, ScriptedPool]:
        path = write_kubeconfig(tmp_path / "k", server="https://api.test:6443")
        session = connect(str(path), None, environ={})
        pool = ScriptedPool(replies)
        session.api_client.rest_client.pool_manager = pool
        waits: list[float] = []
        session.sleep = waits.append
        session.waits = waits  # type: ignore[attr-defined]
        sessions.append(session)
        return session, pool

    yield make
    for session in sessions:
        session.close()


def status_body(code: int, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "message": message}  # fmt: skip


def test_get_json_decodes_and_authenticates(scripted: Any) -> None:
    session, pool = scripted([(200, {}, {"kind": "Service", "metadata": {"name": "web"}})])
    assert session.get_json("/api/v1/namespaces/shop/services/web")["metadata"]["name"] == "web"
    method, url, headers = pool.calls[0]
    assert (method, url) == ("GET", "https://api.test:6443/api/v1/namespaces/shop/services/web")
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert session.request_log == [("GET", "/api/v1/namespaces/shop/services/web")]


def test_429_is_retried_after_the_servers_retry_after(scripted: Any) -> None:
    session, _ = scripted(
        [(429, {"Retry-After": "2"}, status_body(429, "slow down")), (200, {}, {"items": []})]
    )
    assert session.get_json("/api/v1/pods") == {"items": []}
    assert session.waits == [2.0]
    assert session.requests == 2


def test_retry_after_is_bounded(scripted: Any) -> None:
    session, _ = scripted([(429, {"Retry-After": "3600"}, b""), (200, {}, {})])
    session.get_json("/api/v1/pods")
    assert session.waits == [MAX_RETRY_WAIT]


def test_persistent_429_gives_up_with_one_line(scripted: Any) -> None:
    session, _ = scripted([(429, {"Retry-After": "1"}, b"")] * MAX_ATTEMPTS)
    with pytest.raises(ClusterAccessError) as caught:
        session.get_json("/api/v1/pods")
    assert "429" in caught.value.message and "https://api.test:6443" in caught.value.message
    assert session.requests == MAX_ATTEMPTS


def test_server_error_on_a_read_is_retried_then_succeeds(scripted: Any) -> None:
    session, _ = scripted([(503, {}, status_body(503, "etcd busy")), (200, {}, {"ok": 1})])
    assert session.get_json("/api/v1/nodes") == {"ok": 1}
    assert len(session.waits) == 1


def test_server_errors_after_retries_name_server_and_status(scripted: Any) -> None:
    session, _ = scripted([(500, {}, status_body(500, "etcdserver:\n timeout"))] * MAX_ATTEMPTS)
    with pytest.raises(ClusterAccessError) as caught:
        session.get_json("/api/v1/nodes")
    message = caught.value.message
    assert "https://api.test:6443" in message and "500" in message
    assert "etcdserver: timeout" in message
    assert "\n" not in message


def test_server_error_on_a_create_is_not_retried(scripted: Any) -> None:
    session, _ = scripted([(500, {}, status_body(500, "boom"))])
    with pytest.raises(ClusterAccessError):
        session.send_json("POST", "/api/v1/namespaces/shop/pods", body={"kind": "Pod"})
    assert session.requests == 1


def test_401_says_credentials_were_rejected(scripted: Any) -> None:
    session, _ = scripted([(401, {}, status_body(401, "Unauthorized"))])
    with pytest.raises(ClusterAccessError) as caught:
        session.get_json("/api/v1/pods")
    assert "401" in caught.value.message and '"dev"' in caught.value.message
    assert TOKEN not in caught.value.message


def test_403_is_forbidden_with_verb_resource_namespace(scripted: Any) -> None:
    session, _ = scripted([(403, {}, status_body(403, 'endpointslices is forbidden: User "x"'))])
    with pytest.raises(Forbidden) as caught:
        session.list_all("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices")
    refusal = caught.value
    assert (refusal.verb, refusal.resource, refusal.namespace) == ("list", "endpointslices", "shop")
    gap = refusal.unavailable()
    assert gap.describe() == "cannot list endpointslices in shop: forbidden"
    assert isinstance(refusal, ClusterAccessError), "uncaught, it still exits 3"


def test_404_is_api_not_found(scripted: Any) -> None:
    session, _ = scripted([(404, {}, status_body(404, 'namespaces "nope" not found'))])
    with pytest.raises(ApiNotFound) as caught:
        session.get_json("/api/v1/namespaces/nope")
    assert (caught.value.resource, caught.value.name) == ("namespaces", "nope")


def test_read_timeout_is_a_cluster_access_error(scripted: Any) -> None:
    timeout = urllib3.exceptions.ReadTimeoutError(None, "/api/v1/pods", "read timed out")  # type: ignore[arg-type]
    session, _ = scripted([timeout])
    with pytest.raises(ClusterAccessError) as caught:
        session.get_json("/api/v1/pods")
    assert "no reply within 10s" in caught.value.message
    assert session.requests == 1


def test_tls_failure_is_named(scripted: Any) -> None:
    failure = urllib3.exceptions.MaxRetryError(
        None,  # type: ignore[arg-type]
        "/api",
        urllib3.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    )
    session, _ = scripted([failure])
    with pytest.raises(ClusterAccessError) as caught:
        session.get_json("/api")
    assert "TLS handshake failed" in caught.value.message
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message


def test_dropped_connection_on_a_read_is_resent_once(scripted: Any) -> None:
    dropped = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError())
    session, _ = scripted([dropped, (200, {}, {"items": []})])
    assert session.get_json("/api/v1/pods") == {"items": []}
    assert session.requests == 2


def test_list_all_follows_continue_tokens(scripted: Any) -> None:
    pages: list[Reply] = [
        (200, {}, {"items": [{"n": 1}, {"n": 2}], "metadata": {"continue": "t1"}}),
        (200, {}, {"items": [{"n": 3}, {"n": 4}], "metadata": {"continue": "t2"}}),
        (200, {}, {"items": [{"n": 5}], "metadata": {}}),
    ]
    session, _ = scripted(pages)
    items = session.list_all("/api/v1/services", {"labelSelector": "a=b"}, page_size=2)
    assert [i["n"] for i in items] == [1, 2, 3, 4, 5]
    assert [path for _, path in session.request_log] == [
        "/api/v1/services?labelSelector=a%3Db&limit=2",
        "/api/v1/services?labelSelector=a%3Db&limit=2&continue=t1",
        "/api/v1/services?labelSelector=a%3Db&limit=2&continue=t2",
    ]


def test_expired_continue_token_restarts_the_list_once(scripted: Any) -> None:
    session, _ = scripted(
        [
            (200, {}, {"items": [{"n": 1}], "metadata": {"continue": "old"}}),
            (410, {}, status_body(410, "The provided continue parameter is too old")),
            (200, {}, {"items": [{"n": 1}, {"n": 2}], "metadata": {}}),
        ]
    )
    assert [i["n"] for i in session.list_all("/api/v1/pods", page_size=1)] == [1, 2]
    assert session.requests == 3


def test_non_json_reply_is_a_cluster_access_error(scripted: Any) -> None:
    session, _ = scripted([(200, {}, b"<html>proxy login</html>")])
    with pytest.raises(ClusterAccessError, match="not JSON"):
        session.get_json("/api/v1/pods")


# --- pure helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/v1/namespaces/shop/services?limit=5", ("list", "services", "shop", "")),
        ("GET", "/api/v1/namespaces/shop/secrets/tls", ("get", "secrets", "shop", "tls")),
        ("GET", "/api/v1/namespaces/shop", ("get", "namespaces", "", "shop")),
        ("GET", "/api/v1/nodes", ("list", "nodes", "", "")),
        ("GET", "/apis/apps/v1/statefulsets", ("list", "statefulsets", "", "")),
        ("GET", "/apis", ("get", "/apis", "", "")),
        (
            "GET",
            "/apis/gateway.networking.k8s.io/v1",
            ("get", "/apis/gateway.networking.k8s.io/v1", "", ""),
        ),
        ("GET", "/api/v1", ("get", "/api/v1", "", "")),
        ("POST", "/api/v1/namespaces/a/pods/p/exec", ("create", "pods/exec", "a", "p")),
        ("DELETE", "/api/v1/namespaces/a/pods/p", ("delete", "pods", "a", "p")),
    ],
)
def test_describe_request(method: str, path: str, expected: tuple[str, str, str, str]) -> None:
    target = describe_request(method, path)
    assert (target.verb, target.resource, target.namespace, target.name) == expected


def test_strip_secret_keeps_only_tls_material() -> None:
    secret = {
        "metadata": {"name": "web-tls", "namespace": "shop", "annotations": {"a": "b"}},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "Y3J0", "tls.key": "a2V5", "password": "c2VjcmV0"},
    }
    stripped = listing.strip_secret(secret, "shop")
    assert stripped["data"] == {"tls.crt": "Y3J0", "tls.key": "a2V5"}
    assert stripped["metadata"] == {"name": "web-tls", "namespace": "shop"}
    assert stripped["type"] == "kubernetes.io/tls"
    assert stripped["kind"] == "Secret"


def test_kind_paths_are_scoped_only_when_namespaced() -> None:
    by = listing.KINDS_BY_RESOURCE
    assert by["endpointslices"].path("shop") == (
        "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices"
    )
    assert by["nodes"].path("shop") == "/api/v1/nodes"
    assert by["services"].path(None) == "/api/v1/services"


SVC_BUILT_IN_REQUESTS = {
    ("GET", "/api/v1/namespaces/shop/services?limit=500"),
    ("GET", "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?limit=500"),
    ("GET", "/api/v1/namespaces/shop/pods?fieldSelector=status.phase%21%3DSucceeded&limit=500"),
    ("GET", "/apis/apps/v1/namespaces/shop/deployments?limit=500"),
    ("GET", "/api/v1/nodes?limit=500"),
    ("GET", "/apis/networking.k8s.io/v1/namespaces/shop/ingresses?limit=500"),
    ("GET", "/apis/networking.k8s.io/v1/networkpolicies?limit=500"),
    ("GET", "/api/v1/namespaces?limit=500"),
    ("GET", "/api/v1/namespaces/kube-system/configmaps/coredns"),
    ("GET", "/apis"),
}


def test_svc_requests_with_every_crd_served_stay_within_the_budget(tmp_path: Path) -> None:
    """What ``svc NAME --no-probe`` asks the server, request by request (bench/README.md's
    table; the project's ceiling is 14)."""
    session = connect(str(write_kubeconfig(tmp_path / "k", server="https://api.test:6443")), None,
                      environ={})  # fmt: skip
    gateway = "gateway.networking.k8s.io"
    session.api_client.rest_client.pool_manager = RoutedPool({}, GATEWAY_SERVED)
    listing.load_snapshot(session, "shop", kinds=SVC.kinds, dns_config=True)
    crd_lists = {
        path
        for resource, path in {
            "gateways": f"/apis/{gateway}/v1/gateways?limit=500",
            "httproutes": f"/apis/{gateway}/v1/namespaces/shop/httproutes?limit=500",
            "grpcroutes": f"/apis/{gateway}/v1/namespaces/shop/grpcroutes?limit=500",
            "referencegrants": f"/apis/{gateway}/v1beta1/namespaces/shop/referencegrants?limit=500",
        }.items()
        if resource in SVC.kinds
    }
    assert set(session.request_log) == SVC_BUILT_IN_REQUESTS | {("GET", p) for p in crd_lists}
    assert session.requests == len(session.request_log) <= 14
    session.close()


def test_crd_kinds_the_server_does_not_serve_are_not_listed(tmp_path: Path) -> None:
    session = connect(str(write_kubeconfig(tmp_path / "k", server="https://api.test:6443")), None,
                      environ={})  # fmt: skip
    session.api_client.rest_client.pool_manager = RoutedPool({}, {"apps": ["v1"]})
    snapshot = listing.load_snapshot(session, "shop", kinds=SVC.kinds, dns_config=True)
    assert set(session.request_log) == SVC_BUILT_IN_REQUESTS
    assert snapshot.gateway_api_served is False
    assert snapshot.served_groups == frozenset({"apps", "apps/v1"})
    assert {gap.resource for gap in snapshot.unavailable if gap.not_served} == (
        SVC.kinds & {"gateways", "httproutes", "grpcroutes", "referencegrants"} | POLICY_API_KINDS
    )
    session.close()


@pytest.mark.parametrize(
    ("versions", "listed", "requests"),
    [
        (["v1alpha2"], {"v1alpha2/clusternetworkpolicies"}, 13),
        (
            ["v1alpha1"],
            {"v1alpha1/adminnetworkpolicies", "v1alpha1/baselineadminnetworkpolicies"},
            14,
        ),
        # Both served (mid-migration): the replacement is read, the old kinds are not.
        (["v1alpha1", "v1alpha2"], {"v1alpha2/clusternetworkpolicies"}, 13),
    ],
)
def test_svc_requests_with_the_network_policy_api_served_too(
    tmp_path: Path, versions: list[str], listed: set[str], requests: int
) -> None:
    """The Gateway API and the network-policy-api both served: at most 14 (bench/README.md)."""
    session = connect(str(write_kubeconfig(tmp_path / "k", server="https://api.test:6443")), None,
                      environ={})  # fmt: skip
    policy_api = {"policy.networking.k8s.io": versions}
    session.api_client.rest_client.pool_manager = RoutedPool({}, {**GATEWAY_SERVED, **policy_api})
    snapshot = listing.load_snapshot(session, "shop", kinds=SVC.kinds, dns_config=True)
    group = "/apis/policy.networking.k8s.io"
    policy_lists = {p.split("?")[0] for _, p in session.request_log if p.startswith(group)}
    assert policy_lists == {f"{group}/{kind}" for kind in listed}
    assert session.requests == len(session.request_log) == requests <= 14
    superseded = [gap.describe() for gap in snapshot.unavailable if gap.superseded]
    assert superseded == (
        [
            f"cannot list {kind} cluster-wide: policy.networking.k8s.io/v1alpha1 not read: its "
            "replacement is served and read instead"
            for kind in ("adminnetworkpolicies", "baselineadminnetworkpolicies")
        ]
        if len(versions) == 2
        else []
    )
    assert not [gap for gap in snapshot.unavailable if gap.refused]
    session.close()


def test_svc_lists_no_gateways_or_referencegrants() -> None:
    """A Route's attachment under svc comes from its own status.parents
    (analyze/gateway/reported.py): the Gateways and ReferenceGrants are not read."""
    assert not SVC.kinds & {"gateways", "referencegrants", "gatewayclasses", "listenersets"}
    assert {"httproutes", "grpcroutes"} <= SVC.kinds


def test_listing_knows_every_kind_svc_reads_and_never_lists_secrets() -> None:
    assert SVC.kinds <= listing.ALL_KINDS
    assert "secrets" not in listing.ALL_KINDS, "Secrets are never listed"


def test_invalid_namespace_is_rejected_before_any_request(scripted: Any) -> None:
    session, _ = scripted([])
    with pytest.raises(InputError, match="invalid namespace"):
        listing.load_snapshot(session, "../kube-system", kinds=frozenset({"services"}))
    assert session.requests == 0


# --- load_snapshot with one kind (sequential, so a scripted reply order is meaningful) ----


def test_listed_items_get_kind_and_lose_managed_fields(scripted: Any) -> None:
    item = {"metadata": {"name": "web", "namespace": "shop", "managedFields": [{"m": 1}]}}
    session, _ = scripted([(200, {}, {"kind": "ServiceList", "items": [item]})])
    snapshot = listing.load_snapshot(session, "shop", kinds=frozenset({"services"}))
    (service,) = snapshot.services
    assert (service["apiVersion"], service["kind"]) == ("v1", "Service")
    assert "managedFields" not in service["metadata"]
    assert snapshot.live is True and snapshot.namespace == "shop"
    assert session.request_log == [("GET", "/api/v1/namespaces/shop/services?limit=500")]


def test_forbidden_kind_is_recorded_and_namespace_checked_once(scripted: Any) -> None:
    session, _ = scripted(
        [
            (403, {}, status_body(403, "services is forbidden")),
            (200, {}, {"kind": "Namespace", "metadata": {"name": "shop"}}),
        ]
    )
    snapshot = listing.load_snapshot(session, "shop", kinds=frozenset({"services"}))
    assert [gap.describe() for gap in snapshot.unavailable] == [
        "cannot list services in shop: forbidden"
    ]
    assert session.request_log[-1] == ("GET", "/api/v1/namespaces/shop")


def test_empty_lists_in_a_missing_namespace_mean_namespace_not_found(scripted: Any) -> None:
    session, _ = scripted(
        [(200, {}, {"items": []}), (404, {}, status_body(404, 'namespaces "shp" not found'))]
    )
    with pytest.raises(NotFoundError) as caught:
        listing.load_snapshot(session, "shp", kinds=frozenset({"services"}))
    assert caught.value.message == 'namespace "shp" not found'
    assert caught.value.exit_code == EXIT_INPUT


def test_namespace_list_gives_did_you_mean(scripted: Any) -> None:
    names = {"items": [{"metadata": {"name": n}} for n in ("shop", "kube-system")]}
    session, pool = scripted([(200, {}, names)])
    with pytest.raises(NotFoundError, match='did you mean "shop"'):
        listing.load_snapshot(session, "shp", kinds=frozenset({"namespaces"}))
    assert "PartialObjectMetadataList" in pool.calls[0][2]["Accept"]


def test_unserved_kind_is_recorded_not_fatal(scripted: Any) -> None:
    session, _ = scripted([(404, {}, status_body(404, "the server could not find it"))])
    snapshot = listing.load_snapshot(session, None, kinds=frozenset({"ingressclasses"}))
    assert [gap.describe() for gap in snapshot.unavailable] == [
        "cannot list ingressclasses cluster-wide: networking.k8s.io/v1 not served"
    ]


def test_gateway_api_kind_without_crd_is_not_installed_not_refused(scripted: Any) -> None:
    """Discovery refused (None): the kind is listed anyway and its 404 means "not served"."""
    session, _ = scripted(
        [
            (403, {}, status_body(403, "forbidden")),
            (404, {}, status_body(404, "the server could not find it")),
        ]
    )
    snapshot = listing.load_snapshot(session, None, kinds=frozenset({"gateways"}))
    (gap,) = snapshot.unavailable
    assert gap.describe() == (
        "cannot list gateways cluster-wide: gateway.networking.k8s.io/v1 not served "
        "(Gateway API CRDs not installed)"
    )
    assert (gap.not_served, gap.refused) == (True, False)
    assert snapshot.gateway_api_served is False
    assert snapshot.gateways == ()


def test_gateways_are_listed_in_every_namespace_for_a_namespaced_command(scripted: Any) -> None:
    gateway = {"metadata": {"name": "edge", "namespace": "infra"}}
    group = "gateway.networking.k8s.io"
    served = {"groups": [{"name": group, "versions": [{"groupVersion": f"{group}/v1"}]}]}
    session, _ = scripted([(200, {}, served), (200, {}, {"items": [gateway]}), (200, {}, {})])
    snapshot = listing.load_snapshot(session, "shop", kinds=frozenset({"gateways"}))
    assert [g["kind"] for g in snapshot.gateways] == ["Gateway"]
    assert session.request_log == [
        ("GET", "/apis"),
        ("GET", "/apis/gateway.networking.k8s.io/v1/gateways?limit=500"),
        ("GET", "/api/v1/namespaces/shop"),
    ]


def test_tls_secrets_are_read_one_get_each_and_stripped(scripted: Any) -> None:
    secret = {
        "metadata": {"name": "web-tls", "namespace": "shop"},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "Y3J0", "tls.key": "a2V5", "other": "eA=="},
    }
    session, _ = scripted([(200, {}, {"items": [{"metadata": {"name": "x"}}]}), (200, {}, secret)])
    snapshot = listing.load_snapshot(
        session,
        "shop",
        kinds=frozenset({"ingresses"}),
        tls_secret_names=lambda _snap: [("shop", "web-tls"), ("shop", "../../nodes")],
    )
    assert [s["data"] for s in snapshot.secrets] == [{"tls.crt": "Y3J0", "tls.key": "a2V5"}]
    assert session.request_log[-1] == ("GET", "/api/v1/namespaces/shop/secrets/web-tls")
    assert session.requests == 2, "an invalid name is never requested"


# --- in-cluster configuration ------------------------------------------------------------

IN_POD = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}


@pytest.fixture
def no_home_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_in_cluster_uses_the_service_account(tmp_path: Path, no_home_kubeconfig: Path) -> None:
    account = tmp_path / "sa"
    account.mkdir()
    (account / "token").write_text(TOKEN)
    (account / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    (account / "namespace").write_text("shop\n")
    session = connect(None, None, environ=IN_POD, service_account_dir=str(account))
    assert (session.context, session.namespace) == ("in-cluster", "shop")
    assert session.server == "https://10.96.0.1:443"


def test_in_cluster_without_a_token_is_an_input_error(
    tmp_path: Path, no_home_kubeconfig: Path
) -> None:
    with pytest.raises(InputError, match=r"in-cluster configuration: .*token"):
        connect(None, None, environ=IN_POD, service_account_dir=str(tmp_path / "none"))


def test_in_cluster_has_no_named_contexts(tmp_path: Path, no_home_kubeconfig: Path) -> None:
    with pytest.raises(InputError, match='context "prod" not found'):
        connect(None, "prod", environ=IN_POD, service_account_dir=str(tmp_path))


# --- credential plugins (real subprocesses) ----------------------------------------------


def exec_kubeconfig(path: Path, command: list[str]) -> Path:
    path.write_text(
        json.dumps(
            {
                "current-context": "dev",
                "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
                "clusters": [{"name": "c", "cluster": {"server": "https://api.test:6443"}}],
                "users": [
                    {
                        "name": "u",
                        "user": {
                            "exec": {
                                "apiVersion": "client.authentication.k8s.io/v1beta1",
                                "command": command[0],
                                "args": command[1:],
                            }
                        },
                    }
                ],
            }
        )
    )
    return path


def test_failing_credential_plugin_is_one_cluster_access_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    script = "import sys; sys.stderr.write('token expired, run login\\n'); sys.exit(1)"
    path = exec_kubeconfig(tmp_path / "k", [sys.executable, "-c", script])
    with pytest.raises(ClusterAccessError) as caught:
        connect(str(path), None, environ={})
    assert 'cannot get credentials for context "dev"' in caught.value.message
    assert "token expired, run login" in caught.value.message
    assert capfd.readouterr().err == "", "nothing else reaches stderr"


def test_credential_plugin_token_is_sent(tmp_path: Path) -> None:
    credential = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "kind": "ExecCredential",
        "status": {"token": "plugin-token"},
    }
    script = f"print({json.dumps(json.dumps(credential))})"
    path = exec_kubeconfig(tmp_path / "k", [sys.executable, "-c", script])
    session = connect(str(path), None, environ={})
    pool = ScriptedPool([(200, {}, {})])
    session.api_client.rest_client.pool_manager = pool
    session.get_json("/version")
    assert pool.calls[0][2]["authorization"] == "Bearer plugin-token"


class MeetingPool(ScriptedPool):
    """Answers every LIST with an empty page, but only once ``parties`` requests are in flight.

    If the loader sent its LISTs one after another, the first would wait alone and the
    barrier would time out: the test proves the requests overlap.
    """

    def __init__(self, parties: int) -> None:
        super().__init__([])
        self.barrier = threading.Barrier(parties, timeout=5)

    def request(self, method: str, url: str, **kwargs: Any) -> urllib3.HTTPResponse:
        self.barrier.wait()
        self.replies.append((200, {}, {"items": [{"metadata": {"name": "x", "namespace": "s"}}]}))
        return super().request(method, url, **kwargs)


def test_lists_run_concurrently(scripted: Any) -> None:
    session, _ = scripted([])
    session.api_client.rest_client.pool_manager = MeetingPool(listing.MAX_PARALLEL)
    kinds = frozenset({"services", "pods", "endpointslices", "nodes"})
    snapshot = listing.load_snapshot(session, "s", kinds=kinds)
    assert session.requests == 4
    assert len(snapshot.services) == len(snapshot.pods) == len(snapshot.nodes) == 1


def test_commands_declare_exactly_the_kinds_the_loader_lists() -> None:
    """commands.py is the one place for what a command reads; it names only listable kinds
    and, with the per-subject events, all of them."""
    from kubectl_discover.commands import COMMANDS, EVERY_KIND

    assert EVERY_KIND | {"events"} == listing.ALL_KINDS
    assert all(needs.kinds <= EVERY_KIND for needs in COMMANDS.values())


# --- the Corefile: one GET of kube-system/coredns for svc and dns (issue 16) ---------------

COREDNS_PATH = "/api/v1/namespaces/kube-system/configmaps/coredns"
CUSTOM_PATH = "/api/v1/namespaces/kube-system/configmaps/coredns-custom"
KUBEADM_LIKE = textwrap.dedent(
    """\
    .:53 {
        kubernetes cluster.local {
           pods insecure
           ttl 30
        }
        forward . /etc/resolv.conf
    }
    """
)
AKS_LIKE = textwrap.dedent(
    """\
    .:53 {
        kubernetes cluster.local {
           pods insecure
        }
        forward . /etc/resolv.conf
        import custom/*.override
    }
    import custom/*.server
    """
)


GATEWAY_SERVED = {"gateway.networking.k8s.io": ["v1", "v1beta1"]}


class RoutedPool(ScriptedPool):
    """Answers by path, whatever the order of concurrent requests: discovery serves
    ``groups`` (group -> versions), each LIST has one object, the ConfigMap GETs come from
    ``configmaps`` (404 when absent)."""

    def __init__(
        self, configmaps: dict[str, Reply], groups: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__([])
        self.configmaps = configmaps
        self.groups = GATEWAY_SERVED if groups is None else groups
        self.lock = threading.Lock()

    def request(self, method: str, url: str, **kwargs: Any) -> urllib3.HTTPResponse:
        path = url.split("https://api.test:6443", 1)[1].split("?", 1)[0]
        with self.lock:
            if path == "/apis":
                groups = [
                    {"name": g, "versions": [{"groupVersion": f"{g}/{v}"} for v in versions]}
                    for g, versions in self.groups.items()
                ]
                self.replies.append((200, {}, {"kind": "APIGroupList", "groups": groups}))
            elif "/configmaps/" in path:
                missing = (404, {}, status_body(404, "configmaps not found"))
                self.replies.append(self.configmaps.get(path, missing))
            elif path == "/api/v1/namespaces":
                self.replies.append((200, {}, {"items": [{"metadata": {"name": "shop"}}]}))
            else:
                item = {"metadata": {"name": "web", "namespace": "shop"}}
                self.replies.append((200, {}, {"items": [item]}))
            return super().request(method, url, **kwargs)


def _configmap(name: str, **data: str) -> Reply:
    meta = {"name": name, "namespace": "kube-system", "managedFields": [{"m": 1}]}
    return (200, {}, {"kind": "ConfigMap", "apiVersion": "v1", "metadata": meta, "data": data})


def _load_svc(scripted: Any, configmaps: dict[str, Reply]) -> tuple[Session, Any]:
    from kubectl_discover.loading import LoadRequest, Source, load_from_session

    session, _ = scripted([])
    session.api_client.rest_client.pool_manager = RoutedPool(configmaps)
    request = LoadRequest(SVC, Source(), "shop", detect_cluster_domain=True)
    return session, load_from_session(session, request)


def test_svc_reads_its_lists_and_the_coredns_configmap(scripted: Any) -> None:
    """10 LISTs (no Gateways, no ReferenceGrants; NetworkPolicies and Namespaces), discovery and
    one GET: 12 requests of the
    budget of 14 (bench/README.md)."""
    kubeadm = _configmap("coredns", Corefile=KUBEADM_LIKE)
    session, loaded = _load_svc(scripted, {COREDNS_PATH: kubeadm})
    assert session.requests == 12
    assert [p for _, p in session.request_log if "configmaps" in p] == [COREDNS_PATH]
    (configmap,) = loaded.snapshot.dns_configmaps
    assert configmap["metadata"] == {"name": "coredns", "namespace": "kube-system",
                                     "creationTimestamp": None}  # fmt: skip
    assert loaded.index.cluster_dns.assumed == ""
    assert str(loaded.index.cluster_dns.ref) == "ConfigMap kube-system/coredns"


def test_aks_corefile_importing_custom_costs_one_more_get(scripted: Any) -> None:
    session, loaded = _load_svc(
        scripted,
        {
            COREDNS_PATH: _configmap("coredns", Corefile=AKS_LIKE),
            CUSTOM_PATH: _configmap("coredns-custom", **{"log.override": "log"}),
        },
    )
    assert session.requests == 13
    assert [p for _, p in session.request_log if "configmaps" in p] == [COREDNS_PATH, CUSTOM_PATH]
    dns = loaded.index.cluster_dns.dns
    assert dns is not None and str(dns.custom) == "ConfigMap kube-system/coredns-custom"


def test_forbidden_corefile_is_unavailable_and_kubeadm_is_assumed(scripted: Any) -> None:
    forbidden = (403, {}, status_body(403, 'configmaps "coredns" is forbidden'))
    session, loaded = _load_svc(scripted, {COREDNS_PATH: forbidden})
    assert session.requests == 12
    from kubectl_discover.snapshot import Unavailable

    assert Unavailable("configmaps", "get", "kube-system", "forbidden") in (
        loaded.snapshot.unavailable
    )
    assert loaded.index.cluster_dns.assumed == (
        "Corefile not readable: cannot get configmaps in kube-system: forbidden; assumed "
        "kubeadm's Corefile: pods insecure, no endpoint_pod_names, cluster.local, ttl 30"
    )


def test_missing_corefile_says_so_and_assumes_kubeadm(scripted: Any) -> None:
    missing = (404, {}, status_body(404, 'configmaps "coredns" not found'))
    session, loaded = _load_svc(scripted, {COREDNS_PATH: missing})
    assert session.requests == 12
    assert loaded.snapshot.dns_configmaps == () and loaded.snapshot.dns_configmaps_read
    assert loaded.index.cluster_dns.assumed == (
        "no coredns ConfigMap (not CoreDNS, or named differently); assumed kubeadm's Corefile: "
        "pods insecure, no endpoint_pod_names, cluster.local, ttl 30"
    )


def test_forbidden_corefile_report_states_the_assumption(scripted: Any) -> None:
    from datetime import UTC, datetime

    from kubectl_discover.pipeline import Subject, subject_report

    forbidden = (403, {}, status_body(403, 'configmaps "coredns" is forbidden'))
    _, loaded = _load_svc(scripted, {COREDNS_PATH: forbidden})
    doc = subject_report(Subject(SVC, "web"), loaded, runner=None, now=datetime.now(UTC))
    assumed = [f for f in doc["findings"] if f["id"] == "corefile-assumed"]
    assert [(f["severity"], f["subject"], f["message"]) for f in assumed] == [
        (
            "info",
            "ConfigMap kube-system/coredns",
            "Corefile not readable: cannot get configmaps in kube-system: forbidden; assumed "
            "kubeadm's Corefile: pods insecure, no endpoint_pod_names, cluster.local, ttl 30.",
        )
    ]
    assert "cannot get configmaps in kube-system: forbidden" in doc["skipped"]
    assert not [f for f in doc["findings"] if f["id"] == "access-skipped"]


def test_unserved_policy_api_group_is_not_listed(scripted: Any) -> None:
    """Discovery does not list policy.networking.k8s.io: no LIST, "not installed"."""
    cilium = {"groups": [{"name": "cilium.io", "versions": [{"groupVersion": "cilium.io/v2"}]}]}
    session, _ = scripted([(200, {}, cilium)])
    snapshot = listing.load_snapshot(
        session, None, kinds=frozenset({"adminnetworkpolicies", "clusternetworkpolicies"})
    )
    assert session.request_log == [("GET", "/apis")]
    assert sorted(gap.describe() for gap in snapshot.unavailable) == [
        "cannot list adminnetworkpolicies cluster-wide: policy.networking.k8s.io/v1alpha1 "
        "not served (network-policy-api CRDs not installed)",
        "cannot list clusternetworkpolicies cluster-wide: policy.networking.k8s.io/v1alpha2 "
        "not served (network-policy-api CRDs not installed)",
    ]
    assert all(gap.not_served and not gap.refused for gap in snapshot.unavailable)
    assert snapshot.served_groups == frozenset({"cilium.io", "cilium.io/v2"})


def test_policy_api_404_is_not_installed_not_refused(scripted: Any) -> None:
    """Discovery refused: the kind is listed anyway and its 404 means "not installed"."""
    session, _ = scripted(
        [
            (403, {}, status_body(403, "forbidden")),
            (404, {}, status_body(404, "the server could not find it")),
        ]
    )
    snapshot = listing.load_snapshot(session, None, kinds=frozenset({"clusternetworkpolicies"}))
    (gap,) = snapshot.unavailable
    assert gap.not_served and not gap.refused
    assert session.request_log[-1] == (
        "GET",
        "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies?limit=500",
    )


def test_network_policies_are_listed_across_every_namespace(scripted: Any) -> None:
    policy = {"metadata": {"name": "deny", "namespace": "kube-system"}, "spec": {}}
    session, _ = scripted(
        [(200, {}, {"items": [policy]}), (200, {}, {"metadata": {"name": "shop"}})]
    )
    snapshot = listing.load_snapshot(session, "shop", kinds=frozenset({"networkpolicies"}))
    assert session.request_log[0] == (
        "GET",
        "/apis/networking.k8s.io/v1/networkpolicies?limit=500",
    )
    (loaded,) = snapshot.networkpolicies
    assert (loaded["apiVersion"], loaded["kind"]) == ("networking.k8s.io/v1", "NetworkPolicy")
