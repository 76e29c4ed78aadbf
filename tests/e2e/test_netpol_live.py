"""NetworkPolicy: the plugin's predicted verdict equals what real traffic does.

The test cluster enforces NetworkPolicy for real on ``kd-real-1`` (kube-router's policy
controller, testcluster/netpol.py: iptables + ipsets; a packet no policy admits is
REJECTed). Every case of issue 15 item 1 runs the same way:

1. real pods on ``kd-real-1`` (a TCP listener on 8080, named ``http``, and on 9090,
   named ``metrics``), images from the harness's registry;
2. a **baseline** before any policy: every connection the case checks is open (so a
   later refusal is the policy's doing, not a missing listener);
3. the case's policies applied; the objects read back from the API server and given to
   the engine (``kubectl_discover.analyze.netpol``): the prediction must be the one
   written in the case (the API semantics), and what real connections from the pod do
   (TCP connect, a DNS query over UDP and over TCP to the kube-dns ClusterIP) must equal
   it. Each case has at least one connection predicted denied, so it fails if
   enforcement were off.

``--as-client`` and ``--ephemeral`` run the CLI against the same enforcement.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover.analyze.netpol import (
    Endpoint,
    Outcome,
    address_endpoint,
    build_policy_set,
    evaluate,
    namespace_labels,
    pod_endpoint,
    service_target,
)
from testcluster import Cluster

pytestmark = pytest.mark.e2e

NODE = "kd-real-1"
"""The node whose pods kube-router isolates (testcluster/netpol.py: ENFORCING_NODE)."""
TAINT = "kubectl-discover.test/real"
DNS_VIP = "10.96.0.10"
PROBE_LABEL = "app.kubernetes.io/name=kubectl-discover,app.kubernetes.io/component=probe"
ALLOWED, DENIED = Outcome.ALLOWED, Outcome.DENIED

SERVER = (
    "import socket, threading\n"
    "def answer(c):\n"
    "    try:\n"
    "        c.settimeout(2); c.recv(4096)\n"
    "        c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n')\n"
    "    except OSError:\n"
    "        pass\n"
    "    c.close()\n"
    "def serve(port):\n"
    "    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "    s.bind(('', port)); s.listen(64)\n"
    "    while True:\n"
    "        threading.Thread(target=answer, args=(s.accept()[0],), daemon=True).start()\n"
    "for p in (8080, 9090):\n"
    "    threading.Thread(target=serve, args=(p,), daemon=True).start()\n"
    "threading.Event().wait()\n"
)
"""Every pod here: a minimal HTTP answer on 8080 and 9090 (the clients too, for the
ingress cases), so the probe's HTTP check of a reachable backend is ``ok``."""

CHECKER = (
    "import json, socket, struct, sys\n"
    "def query(tcp):\n"
    "    q = struct.pack('>HHHHHH', 0x4b44, 0x100, 1, 0, 0, 0)\n"
    "    q += b''.join(bytes([len(p)]) + p.encode() for p in "
    "'kubernetes.default.svc.cluster.local'.split('.')) + b'\\0' + struct.pack('>HH', 1, 1)\n"
    "    return (struct.pack('>H', len(q)) + q) if tcp else q\n"
    "def check(kind, host, port):\n"
    "    try:\n"
    "        if kind == 'tcp':\n"
    "            socket.create_connection((host, port), timeout=2).close(); return 'open'\n"
    "        if kind == 'dns-udp':\n"
    "            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)\n"
    "            s.connect((host, port)); s.send(query(False)); data = s.recv(4096)\n"
    "        else:\n"
    "            s = socket.create_connection((host, port), timeout=2)\n"
    "            s.sendall(query(True)); data = s.recv(4096)[2:]\n"
    "        return 'open' if data[:2] == b'\\x4b\\x44' else 'bad answer'\n"
    "    except OSError as e:\n"
    "        return type(e).__name__\n"
    "print(json.dumps([check(*c) for c in json.loads(sys.argv[1])]))\n"
)
"""Exec'd in a pod: each (kind, host, port) -> 'open' or the error's name."""

RESTRICTED_POD = {
    "runAsNonRoot": True,
    "runAsUser": 65534,
    "runAsGroup": 65534,
    "seccompProfile": {"type": "RuntimeDefault"},
}
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


# --- helpers -----------------------------------------------------------------------------


def pod(namespace: str, name: str, labels: Mapping[str, str], node: str = NODE) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "nodeName": node,
            "tolerations": [{"key": TAINT, "operator": "Exists", "effect": "NoSchedule"}],
            "terminationGracePeriodSeconds": 0,
            "securityContext": RESTRICTED_POD,
            "containers": [
                {
                    "name": "c",
                    "image": "python:3.12-slim",
                    "command": ["python3", "-c", SERVER],
                    "ports": [
                        {"containerPort": 8080, "name": "http"},
                        {"containerPort": 9090, "name": "metrics"},
                    ],
                    "securityContext": RESTRICTED_CONTAINER,
                }
            ],
        },
    }


def service(namespace: str, name: str, selector: Mapping[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": dict(selector), "ports": [{"port": 80, "targetPort": 8080}]},
    }


def policy(namespace: str, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": dict(spec),
    }


def apply(cluster: Cluster, *objects: Mapping[str, Any]) -> None:
    cluster.apply(json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}))


def running_pods(cluster: Cluster, namespace: str, names: Sequence[str]) -> dict[str, Any]:
    """Wait until each pod runs with an IP; the pods as the API server has them."""
    found: dict[str, Any] = {}

    def ready() -> bool:
        items = cluster.get_json("pods", "-n", namespace)["items"]
        found.update({p["metadata"]["name"]: p for p in items})
        return all(
            (found.get(n) or {}).get("status", {}).get("phase") == "Running"
            and found[n]["status"].get("podIP")
            for n in names
        )

    cluster.wait_for(f"pods {', '.join(names)} running", ready, timeout=120)
    return {n: found[n] for n in names}


@dataclass(frozen=True)
class Conn:
    """One connection a case checks: from pod ``src`` (``namespace/name``) to a target."""

    label: str
    src: str
    kind: str  # tcp | dns-udp | dns-tcp
    host: str
    port: int


def observe(cluster: Cluster, conns: Sequence[Conn]) -> dict[str, str]:
    """What real traffic does: one exec per source pod, 'open' or the error's name."""
    seen: dict[str, str] = {}
    for src in sorted({c.src for c in conns}):
        mine = [c for c in conns if c.src == src]
        namespace, name = src.split("/")
        argv = json.dumps([[c.kind, c.host, c.port] for c in mine])
        out = cluster.kubectl(
            "exec", "-n", namespace, name, "--", "python3", "-c", CHECKER, argv, timeout=60
        ).stdout
        seen.update({c.label: r for c, r in zip(mine, json.loads(out), strict=True)})
    return seen


def as_outcomes(seen: Mapping[str, str]) -> dict[str, Outcome]:
    return {k: ALLOWED if v == "open" else DENIED for k, v in seen.items()}


def live_policies(cluster: Cluster) -> Any:
    items = cluster.get_json("networkpolicies", "-A")["items"]
    return build_policy_set([{"kind": "NetworkPolicy", **p} for p in items])


def live_namespaces(cluster: Cluster) -> dict[str, Mapping[str, str]]:
    return namespace_labels(cluster.get_json("namespaces")["items"])


def endpoint_of(cluster: Cluster, ref: str) -> Endpoint:
    namespace, name = ref.split("/")
    return pod_endpoint(cluster.get_json("pod", name, "-n", namespace), live_namespaces(cluster))


def dns_pods(cluster: Cluster) -> list[Endpoint]:
    """The CoreDNS pods behind the kube-dns ClusterIP (what its DNAT reaches)."""
    slices = cluster.get_json(
        "endpointslices", "-n", "kube-system", "-l", "kubernetes.io/service-name=kube-dns"
    )["items"]
    names = {
        e["targetRef"]["name"]
        for s in slices
        for e in s.get("endpoints") or ()
        if e.get("targetRef")
    }
    namespaces = live_namespaces(cluster)
    return [
        pod_endpoint(cluster.get_json("pod", n, "-n", "kube-system"), namespaces)
        for n in sorted(names)
    ]


def predict_to(cluster: Cluster, src: Endpoint, dst: Endpoint, port: int, proto: str) -> Outcome:
    return evaluate(live_policies(cluster), src, dst, port, proto).outcome


def predict_dns(cluster: Cluster, src: Endpoint, proto: str) -> Outcome:
    """The DNS hop: every CoreDNS pod must be reachable on 53 (the VIP picks one)."""
    policies = live_policies(cluster)
    outcomes = {evaluate(policies, src, d, 53, proto).outcome for d in dns_pods(cluster)}
    assert outcomes, "no CoreDNS pod behind kube-dns"
    return DENIED if DENIED in outcomes else outcomes.pop()


def eventually_equal(
    cluster: Cluster,
    conns: Sequence[Conn],
    predicted: Mapping[str, Outcome],
    timeout: float = 45.0,
) -> None:
    """Real traffic converges on the prediction (kube-router applies a policy within a
    sync) and stays there for a second round."""
    deadline = time.monotonic() + timeout
    matches, seen = 0, {}
    while matches < 2:
        seen = observe(cluster, conns)
        matches = matches + 1 if as_outcomes(seen) == dict(predicted) else 0
        if matches < 2 and time.monotonic() > deadline:
            pytest.fail(f"real traffic {seen} never matched the prediction {dict(predicted)}")
        if matches == 0:
            time.sleep(0.5)


def baseline_open(cluster: Cluster, conns: Sequence[Conn]) -> None:
    """Before any policy, every connection of the case is open (listeners up, DNS up)."""
    deadline = time.monotonic() + 60
    while True:
        seen = observe(cluster, conns)
        if all(v == "open" for v in seen.values()):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"before any policy, not every connection was open: {seen}")
        time.sleep(0.5)


def run_case(
    cluster: Cluster,
    conns: Sequence[Conn],
    policies: Sequence[Mapping[str, Any]],
    expected: Mapping[str, Outcome],
    predict: Callable[[], Mapping[str, Outcome]],
) -> None:
    """Baseline, policies, then prediction == written expectation == real traffic."""
    assert DENIED in expected.values(), "a case must deny something, or it proves nothing"
    baseline_open(cluster, conns)
    apply(cluster, *policies)
    predicted = dict(predict())
    assert predicted == dict(expected)
    eventually_equal(cluster, conns, predicted)


@pytest.fixture
def web_and_client(cluster: Cluster, namespace: str) -> dict[str, Any]:
    """``web`` (app=web) behind Service ``web`` (80 -> 8080), ``client`` (app=client) and
    ``other`` (app=other), all on the enforcing node."""
    apply(
        cluster,
        pod(namespace, "web", {"app": "web"}),
        pod(namespace, "client", {"app": "client"}),
        pod(namespace, "other", {"app": "other"}),
        service(namespace, "web", {"app": "web"}),
    )
    pods = running_pods(cluster, namespace, ["web", "client", "other"])
    return {name: p["status"]["podIP"] for name, p in pods.items()}


@pytest.fixture(autouse=True)
def nothing_left_behind(cluster: Cluster) -> Iterator[None]:
    yield
    pods = cluster.get_json("pods", "-A", "-l", PROBE_LABEL)["items"]
    assert pods == [], "a probe pod survived the test"


# --- the enforcement itself ----------------------------------------------------------------


def test_kube_router_enforces_in_the_clusters_namespace_only(cluster: Cluster) -> None:
    rules = cluster.exec(["iptables-save", "-t", "filter"], check=True).stdout
    for chain in ("KUBE-ROUTER-INPUT", "KUBE-ROUTER-FORWARD", "KUBE-ROUTER-OUTPUT"):
        assert f":{chain} " in rules
    host = subprocess.run(
        ["iptables-save", "-t", "filter"], capture_output=True, text=True, check=False
    ).stdout
    assert "KUBE-ROUTER" not in host, "kube-router wrote to the host's own iptables"
    host_sets = subprocess.run(["ipset", "list", "-n"], capture_output=True, text=True).stdout
    assert not [s for s in host_sets.split() if s.startswith("KUBE-")], "ipsets on the host"


# --- issue 15 item 1, case by case ---------------------------------------------------------


def test_default_deny_egress_that_forgets_dns(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    web = web_and_client["web"]
    client = f"{namespace}/client"
    conns = [
        Conn("dns-udp", client, "dns-udp", DNS_VIP, 53),
        Conn("dns-tcp", client, "dns-tcp", DNS_VIP, 53),
        Conn("web:8080", client, "tcp", web, 8080),
    ]
    egress_to_web_only = policy(
        namespace,
        "client-egress",
        {
            "podSelector": {"matchLabels": {"app": "client"}},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                    "ports": [{"port": 8080}],
                }
            ],
        },
    )

    def predict() -> dict[str, Outcome]:
        src = endpoint_of(cluster, client)
        return {
            "dns-udp": predict_dns(cluster, src, "UDP"),
            "dns-tcp": predict_dns(cluster, src, "TCP"),
            "web:8080": predict_to(
                cluster, src, endpoint_of(cluster, f"{namespace}/web"), 8080, "TCP"
            ),
        }

    expected = {"dns-udp": DENIED, "dns-tcp": DENIED, "web:8080": ALLOWED}
    run_case(cluster, conns, [egress_to_web_only], expected, predict)


def test_dns_allowed_on_udp_only_blocks_dns_over_tcp(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    client = f"{namespace}/client"
    conns = [
        Conn("dns-udp", client, "dns-udp", DNS_VIP, 53),
        Conn("dns-tcp", client, "dns-tcp", DNS_VIP, 53),
    ]
    udp_only = policy(
        namespace,
        "dns-udp-only",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                            },
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"port": 53, "protocol": "UDP"}],
                }
            ],
        },
    )

    def predict() -> dict[str, Outcome]:
        src = endpoint_of(cluster, client)
        return {
            "dns-udp": predict_dns(cluster, src, "UDP"),
            "dns-tcp": predict_dns(cluster, src, "TCP"),
        }

    run_case(cluster, conns, [udp_only], {"dns-udp": ALLOWED, "dns-tcp": DENIED}, predict)


def test_a_policy_on_the_service_port_instead_of_the_target_port(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    vip = cluster.get_json("service", "web", "-n", namespace)["spec"]["clusterIP"]
    client = f"{namespace}/client"
    conns = [Conn("svc:80", client, "tcp", vip, 80)]
    on_service_port = policy(
        namespace,
        "web-ingress",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "client"}}}],
                    "ports": [{"port": 80}],
                }
            ],
        },
    )

    def predict() -> dict[str, Outcome]:
        src = endpoint_of(cluster, client)
        svc = cluster.get_json("service", "web", "-n", namespace)
        target = service_target(svc, [endpoint_of(cluster, f"{namespace}/web")])
        [(port, [backend])] = target.ports
        assert (port.port, backend.port) == (80, 8080)  # policies see the targetPort
        assert backend.port is not None
        return {"svc:80": predict_to(cluster, src, backend.endpoint, backend.port, "TCP")}

    run_case(cluster, conns, [on_service_port], {"svc:80": DENIED}, predict)


def test_a_named_port_resolves_on_the_destination_pod(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    web = web_and_client["web"]
    client = f"{namespace}/client"
    conns = [Conn("web:8080", client, "tcp", web, 8080), Conn("web:9090", client, "tcp", web, 9090)]
    named = policy(
        namespace,
        "web-http-only",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [{"ports": [{"port": "http"}]}],
        },
    )

    def predict() -> dict[str, Outcome]:
        src, dst = endpoint_of(cluster, client), endpoint_of(cluster, f"{namespace}/web")
        return {
            "web:8080": predict_to(cluster, src, dst, 8080, "TCP"),
            "web:9090": predict_to(cluster, src, dst, 9090, "TCP"),
        }

    run_case(cluster, conns, [named], {"web:8080": ALLOWED, "web:9090": DENIED}, predict)


def test_an_end_port_range_is_inclusive(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    web = web_and_client["web"]
    client = f"{namespace}/client"
    conns = [Conn("web:8080", client, "tcp", web, 8080), Conn("web:9090", client, "tcp", web, 9090)]
    ranged = policy(
        namespace,
        "client-egress-range",
        {
            "podSelector": {"matchLabels": {"app": "client"}},
            "policyTypes": ["Egress"],
            "egress": [{"ports": [{"port": 8000, "endPort": 8080}]}],
        },
    )

    def predict() -> dict[str, Outcome]:
        src, dst = endpoint_of(cluster, client), endpoint_of(cluster, f"{namespace}/web")
        return {
            "web:8080": predict_to(cluster, src, dst, 8080, "TCP"),
            "web:9090": predict_to(cluster, src, dst, 9090, "TCP"),
        }

    run_case(cluster, conns, [ranged], {"web:8080": ALLOWED, "web:9090": DENIED}, predict)


def test_an_ip_block_except_carves_an_address_out(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    """Two listeners outside the pod network (node-range addresses of the namespace)."""
    inside, carved = "10.250.254.1", "10.250.254.2"
    client = f"{namespace}/client"
    conns = [
        Conn("inside", client, "tcp", inside, 8080),
        Conn("carved", client, "tcp", carved, 8080),
    ]
    block = policy(
        namespace,
        "client-egress-block",
        {
            "podSelector": {"matchLabels": {"app": "client"}},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": "10.250.254.0/24", "except": [f"{carved}/32"]}}]}
            ],
        },
    )

    def predict() -> dict[str, Outcome]:
        src = endpoint_of(cluster, client)
        return {
            "inside": predict_to(cluster, src, address_endpoint(inside), 8080, "TCP"),
            "carved": predict_to(cluster, src, address_endpoint(carved), 8080, "TCP"),
        }

    with cluster.serve_http(inside), cluster.serve_http(carved):
        run_case(cluster, conns, [block], {"inside": ALLOWED, "carved": DENIED}, predict)


@pytest.mark.parametrize(
    ("peers", "x_expected"),
    [
        pytest.param("and", DENIED, id="one-peer-AND"),
        pytest.param("or", ALLOWED, id="two-peers-OR"),
    ],
)
def test_namespace_and_pod_selector_in_one_peer_or_two(
    cluster: Cluster, namespace: str, peers: str, x_expected: Outcome
) -> None:
    """``x`` (app=other) in a namespace labelled team=a; ``y`` (app=other) in the
    backends' own namespace. One peer {team=a AND app=client}: neither; two peers
    {team=a} OR {app=client}: x by its namespace, y by neither."""
    with cluster.namespace("np-team-a") as team_a:
        cluster.kubectl("label", "namespace", team_a, "team=a")
        apply(
            cluster,
            pod(namespace, "web", {"app": "web"}),
            pod(namespace, "y", {"app": "other"}),
            pod(team_a, "x", {"app": "other"}),
        )
        web = running_pods(cluster, namespace, ["web", "y"])["web"]["status"]["podIP"]
        running_pods(cluster, team_a, ["x"])
        ns_peer = {"namespaceSelector": {"matchLabels": {"team": "a"}}}
        pod_peer = {"podSelector": {"matchLabels": {"app": "client"}}}
        sources = [{**ns_peer, **pod_peer}] if peers == "and" else [ns_peer, pod_peer]
        rule = policy(
            namespace,
            f"web-from-{peers}",
            {"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"from": sources}]},
        )
        conns = [
            Conn("x", f"{team_a}/x", "tcp", web, 8080),
            Conn("y", f"{namespace}/y", "tcp", web, 8080),
        ]

        def predict() -> dict[str, Outcome]:
            dst = endpoint_of(cluster, f"{namespace}/web")
            return {
                "x": predict_to(cluster, endpoint_of(cluster, f"{team_a}/x"), dst, 8080, "TCP"),
                "y": predict_to(cluster, endpoint_of(cluster, f"{namespace}/y"), dst, 8080, "TCP"),
            }

        run_case(cluster, conns, [rule], {"x": x_expected, "y": DENIED}, predict)


def test_an_ip_block_holding_a_pod_ip_is_unknown_and_kube_router_admits_it(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    """Whether an ``ipBlock`` matches pod IPs is implementation-defined (the API reference:
    "These should be cluster-external IPs"): the engine says unknown, never a guess.
    What this implementation does is recorded here: kube-router matches it."""
    web = web_and_client["web"]
    client = f"{namespace}/client"
    conns = [Conn("web:8080", client, "tcp", web, 8080), Conn("web:9090", client, "tcp", web, 9090)]
    pod_cidr = policy(
        namespace,
        "client-egress-pod-cidr",
        {
            "podSelector": {"matchLabels": {"app": "client"}},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": "10.244.128.0/24"}}], "ports": [{"port": 8080}]}
            ],
        },
    )
    baseline_open(cluster, conns)
    apply(cluster, pod_cidr)
    src, dst = endpoint_of(cluster, client), endpoint_of(cluster, f"{namespace}/web")
    assert predict_to(cluster, src, dst, 8080, "TCP") is Outcome.UNKNOWN
    assert predict_to(cluster, src, dst, 9090, "TCP") is DENIED  # no rule has the port
    eventually_equal(cluster, conns, {"web:8080": ALLOWED, "web:9090": DENIED})


def test_an_ingress_only_policy_does_not_restrict_egress(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    web, client_ip = web_and_client["web"], web_and_client["client"]
    client = f"{namespace}/client"
    conns = [
        Conn("client->web", client, "tcp", web, 8080),
        Conn("client->dns", client, "dns-udp", DNS_VIP, 53),
        Conn("web->client", f"{namespace}/web", "tcp", client_ip, 8080),
    ]
    ingress_only = policy(
        namespace,
        "client-no-ingress",
        {"podSelector": {"matchLabels": {"app": "client"}}, "policyTypes": ["Ingress"]},
    )

    def predict() -> dict[str, Outcome]:
        src, dst = endpoint_of(cluster, client), endpoint_of(cluster, f"{namespace}/web")
        return {
            "client->web": predict_to(cluster, src, dst, 8080, "TCP"),
            "client->dns": predict_dns(cluster, src, "UDP"),
            "web->client": predict_to(cluster, dst, src, 8080, "TCP"),
        }

    expected = {"client->web": ALLOWED, "client->dns": ALLOWED, "web->client": DENIED}
    run_case(cluster, conns, [ingress_only], expected, predict)


def test_backends_admit_the_app_but_not_another_client(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    web = web_and_client["web"]
    conns = [
        Conn("client", f"{namespace}/client", "tcp", web, 8080),
        Conn("other", f"{namespace}/other", "tcp", web, 8080),
    ]
    admits_client = policy(
        namespace,
        "web-from-client",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}]}],
        },
    )

    def predict() -> dict[str, Outcome]:
        dst = endpoint_of(cluster, f"{namespace}/web")
        return {
            name: predict_to(cluster, endpoint_of(cluster, f"{namespace}/{name}"), dst, 8080, "TCP")
            for name in ("client", "other")
        }

    run_case(cluster, conns, [admits_client], {"client": ALLOWED, "other": DENIED}, predict)


# --- probing as the client -----------------------------------------------------------------


def discover(cluster: Cluster, *args: str, timeout: float = 180.0) -> tuple[int, Any, str]:
    """The CLI of this tree inside the namespace; JSON output parsed."""
    result = cluster.exec(
        [sys.executable, "-m", "kubectl_discover", *args],
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=timeout,
    )
    out = result.stdout
    document = json.loads(out) if out.strip().startswith("{") else out
    return result.returncode, document, result.stderr


def endpoint_rows(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [e for e in document["endpoints"] if e.get("kind") == "pod"]


ADMITS_CLIENT_ONLY = {
    "podSelector": {"matchLabels": {"app": "web"}},
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}]}],
}


def restricted(cluster: Cluster, namespace: str) -> None:
    """Enforce Pod Security "restricted" in ``namespace``: the probe pod, and an ephemeral
    container added to a pod, are checked by admission against it."""
    cluster.kubectl(
        "label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted"
    )


def test_as_client_is_admitted_where_the_plain_probe_is_blocked(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    """The client is a Deployment's pod (it has pod-template-hash). ``--keep`` leaves the
    ``--as-client`` probe to inspect: labelled like the client but not adopted by its
    ReplicaSet, and never Ready, so the Service selecting the client's labels never sends
    it traffic."""
    restricted(cluster, namespace)
    template = pod(namespace, "app", {"app": "client", "role": "app"})
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"role": "app"}},
            "template": {
                "metadata": {"labels": template["metadata"]["labels"]},
                "spec": template["spec"],
            },
        },
    }
    clients = service(namespace, "clients", {"app": "client"})
    apply(cluster, deployment, clients, policy(namespace, "web-from-client", ADMITS_CLIENT_ONLY))
    cluster.wait_for(
        "the Deployment's pod",
        lambda: any(
            p["status"].get("phase") == "Running"
            for p in cluster.get_json("pods", "-n", namespace, "-l", "role=app")["items"]
        ),
        timeout=120,
    )
    [app] = cluster.get_json("pods", "-n", namespace, "-l", "role=app")["items"]
    assert "pod-template-hash" in app["metadata"]["labels"]
    # enforcement in place: the client gets through, "other" does not
    conns = [
        Conn(
            "client", f"{namespace}/{app['metadata']['name']}", "tcp", web_and_client["web"], 8080
        ),
        Conn("other", f"{namespace}/other", "tcp", web_and_client["web"], 8080),
    ]
    eventually_equal(cluster, conns, {"client": ALLOWED, "other": DENIED})
    args = ("svc", "web", "-n", namespace, "--from", f"pod/{app['metadata']['name']}")
    args += ("-o", "json", "--probe-timeout", "60")

    code, plain, stderr = discover(cluster, *args)
    assert code == 1, stderr
    assert [r["verdict"] for r in endpoint_rows(plain)] == ["fail"], plain["endpoints"]
    assert "probing as the client" not in stderr

    code, as_client, stderr = discover(cluster, *args, "--as-client", "--keep")
    assert code == 0, (stderr, as_client)
    assert [r["verdict"] for r in endpoint_rows(as_client)] == ["ok"], json.dumps(
        endpoint_rows(as_client)
    )
    borrowed = as_client["probe"]["asClient"]
    assert borrowed["labels"]["app"] == "client" and borrowed["labels"]["role"] == "app"
    assert borrowed["droppedLabels"] == ["pod-template-hash"]
    assert "dropped pod-template-hash (its controller would adopt the probe)" in stderr
    assert as_client["probe"]["node"] == NODE

    kept = as_client["probe"]["pod"]
    try:
        probe_pod = cluster.get_json("pod", kept, "-n", namespace)
        assert probe_pod["metadata"].get("ownerReferences") is None  # not adopted
        ready = [c for c in probe_pod["status"]["conditions"] if c["type"] == "Ready"]
        assert [c["status"] for c in ready] == ["False"]
        slices = cluster.get_json(
            "endpointslices", "-n", namespace, "-l", "kubernetes.io/service-name=clients"
        )["items"]
        by_pod = {
            e["targetRef"]["name"]: e["conditions"].get("ready")
            for s in slices
            for e in s.get("endpoints") or ()
        }
        assert by_pod == {"client": True, app["metadata"]["name"]: True, kept: False}
        replica_sets = cluster.get_json("replicasets", "-n", namespace)["items"]
        assert [r["status"].get("replicas") for r in replica_sets] == [1]
    finally:
        cluster.kubectl("delete", "pod", kept, "-n", namespace, "--grace-period=0", "--wait")


def test_ephemeral_probes_from_inside_the_client_pod(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    restricted(cluster, namespace)
    apply(cluster, policy(namespace, "web-from-client", ADMITS_CLIENT_ONLY))
    conns = [Conn("other", f"{namespace}/other", "tcp", web_and_client["web"], 8080)]
    eventually_equal(cluster, conns, {"other": DENIED})
    args = ("svc", "web", "-n", namespace, "-o", "json", "--ephemeral", "--probe-timeout", "60")

    code, document, stderr = discover(cluster, *args, "--from", "pod/client")
    assert code == 0, (stderr, document)
    assert [r["verdict"] for r in endpoint_rows(document)] == ["ok"]
    added = document["probe"]["ephemeralContainer"]
    assert document["probe"]["pod"] == "client"
    assert stderr.count("ephemeral containers cannot be removed") == 1
    live = cluster.get_json("pod", "client", "-n", namespace)
    [container] = live["spec"]["ephemeralContainers"]
    assert container["name"] == added
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    cluster.wait_for(
        "the ephemeral container to stop",
        lambda: any(
            s["name"] == added and "terminated" in s.get("state", {})
            for s in cluster.get_json("pod", "client", "-n", namespace)["status"].get(
                "ephemeralContainerStatuses", []
            )
        ),
        timeout=30,
    )

    # the same from the pod the policy does not admit: blocked, as "other" is
    code, document, stderr = discover(cluster, *args, "--from", "pod/other")
    assert code == 1, (stderr, document)
    assert [r["verdict"] for r in endpoint_rows(document)] == ["fail"]


def test_ephemeral_needs_the_optional_role_and_says_which(
    cluster: Cluster, namespace: str, web_and_client: dict[str, str]
) -> None:
    """deploy/rbac.yaml as shipped: the probe role alone cannot add an ephemeral container
    (exit 7, one line naming the rule); with the optional role bound beside it, it can."""
    cluster.apply((Path(__file__).resolve().parents[2] / "deploy" / "rbac.yaml").read_text())
    user = f"np-eph-{namespace[-6:]}"
    kubeconfig = cluster.user_kubeconfig(user)
    bindings = [f"{user}-probe", f"{user}-ephemeral"]

    def bind(name: str, role: str) -> None:
        cluster.kubectl(
            "create", "clusterrolebinding", name, f"--clusterrole={role}", f"--user={user}"
        )

    args = ("svc", "web", "-n", namespace, "-o", "json", "--from", "pod/client", "--ephemeral")
    args += ("--kubeconfig", str(kubeconfig), "--probe-timeout", "60")
    try:
        bind(bindings[0], "kubectl-discover-probe")
        code, _document, stderr = discover(cluster, *args)
        assert code == 7, stderr
        [error] = [line for line in stderr.splitlines() if line.startswith("error:")]
        assert error.startswith("error: not allowed to patch pods/ephemeralcontainers in ")
        assert "ClusterRole kubectl-discover-ephemeral of deploy/rbac.yaml" in error
        live = cluster.get_json("pod", "client", "-n", namespace)
        assert "ephemeralContainers" not in live["spec"]

        bind(bindings[1], "kubectl-discover-ephemeral")
        code, document, stderr = discover(cluster, *args)
        assert code == 0, stderr
        assert document["probe"]["ephemeralContainer"].startswith("discover-")
    finally:
        for name in bindings:
            cluster.kubectl("delete", "clusterrolebinding", name, "--ignore-not-found")
