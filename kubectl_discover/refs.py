"""Object identities: which object a finding, a row or a link is about.

A :class:`ObjectRef` is built where the object is read and carried as a value, so
nothing ever parses "Service shop/web" back into its parts. ``str()`` gives the
form people read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ObjectRef:
    """Kind, namespace ("" when cluster-scoped or not an object) and name."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"

    @property
    def path(self) -> str:
        """``namespace/name`` (or ``name`` when cluster-scoped)."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def service_ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef("Service", namespace, name)


def ingress_ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef("Ingress", namespace, name)


def url_ref(url: str) -> ObjectRef:
    """The subject of ``route URL``: not an object, named by the URL."""
    return ObjectRef("route", "", url)


CLIENT_KINDS: dict[str, str] = {
    "pod": "Pod",
    "pods": "Pod",
    "po": "Pod",
    "deploy": "Deployment",
    "deployment": "Deployment",
    "deployments": "Deployment",
    "sts": "StatefulSet",
    "statefulset": "StatefulSet",
    "statefulsets": "StatefulSet",
    "ds": "DaemonSet",
    "daemonset": "DaemonSet",
    "daemonsets": "DaemonSet",
}
"""The ``--from KIND/NAME`` kinds, as kubectl spells them: the one table the CLI's
validation and the probe's client lookup both read."""


def parse_client(text: str, namespace: str) -> ObjectRef | None:
    """``pod/web-0`` -> ObjectRef("Pod", namespace, "web-0"); None when not a known
    kind or not a DNS-1123 subdomain name."""
    from kubectl_discover.syntax import is_dns1123_subdomain

    kind_text, sep, name = text.partition("/")
    kind = CLIENT_KINDS.get(kind_text.lower())
    if not sep or kind is None or not is_dns1123_subdomain(name):
        return None
    return ObjectRef(kind, namespace, name)


CLIENT_USAGE = "pod/NAME, deploy/NAME, sts/NAME or ds/NAME"
