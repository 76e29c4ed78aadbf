"""Small builders for the NetworkPolicy tests: raw objects as the API serialises them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_discover.analyze.model import ContainerPort
from kubectl_discover.analyze.netpol import Endpoint, EndpointKind
from kubectl_discover.refs import ObjectRef

NAMESPACE_LABELS = {
    "shop": {"kubernetes.io/metadata.name": "shop", "team": "shop"},
    "other": {"kubernetes.io/metadata.name": "other", "team": "other"},
    "kube-system": {"kubernetes.io/metadata.name": "kube-system"},
}


def pod(
    namespace: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    ip: str = "",
    *,
    ports: Sequence[tuple[str, int, str]] = (),
    node: str = "",
    host_network: bool = False,
    namespace_known: bool = True,
    ports_known: bool = True,
) -> Endpoint:
    """A pod endpoint; its namespace has the labels in NAMESPACE_LABELS, or none known
    when ``namespace_known`` is False."""
    ns_labels = NAMESPACE_LABELS.get(namespace, {}) if namespace_known else None
    return Endpoint(
        kind=EndpointKind.HOST if host_network else EndpointKind.POD,
        ips=(ip,) if ip else (),
        ref=ObjectRef("Pod", namespace, name),
        namespace=namespace,
        namespace_labels=ns_labels,
        labels=dict(labels or {}),
        ports=tuple(
            ContainerPort("c", number, port_name, proto) for port_name, number, proto in ports
        ),
        ports_known=ports_known,
        node=node,
    )


def netpol(namespace: str, name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def anp(name: str, priority: int, subject: Mapping[str, Any], **rules: Any) -> dict[str, Any]:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"priority": priority, "subject": dict(subject), **rules},
    }


def banp(subject: Mapping[str, Any], **rules: Any) -> dict[str, Any]:
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": "default"},
        "spec": {"subject": dict(subject), **rules},
    }


ALL_NAMESPACES: dict[str, Any] = {"namespaces": {}}


def labels(**values: str) -> dict[str, Any]:
    return {"matchLabels": dict(values)}
