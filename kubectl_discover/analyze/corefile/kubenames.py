"""What the shape of a name under a kubernetes zone decides, before any object is looked up.

Pod-IP names ``<dashed-ip>.<ns>.pod.<zone>`` follow ``pods`` (CoreDNS reads
``1-2-3-4`` as IPv4 when it has exactly three dashes and no ``--``, otherwise as
IPv6 with dashes for colons); names in namespaces the ``namespaces`` option hides
are NXDOMAIN; per-endpoint names of headless Services are the endpoint hostname,
else (with ``endpoint_pod_names``) the pod name if it fits a label, else the
dashed IP, as the kubernetes plugin names endpoints.
"""

from __future__ import annotations

import ipaddress

from kubectl_discover.analyze.corefile.kubernetes import KubernetesView, PodMode
from kubectl_discover.analyze.corefile.prediction import Note

LABEL_MAX = 63


def name_shape(
    view: KubernetesView, name: str, zone: str
) -> tuple[str | None, tuple[str, ...], list[Note]]:
    """What the name's shape decides: pod-IP names, the namespace filter, Service and
    endpoint names (``ignore empty_service``, ``noendpoints``, ``endpoint_pod_names``)."""
    labels = name[: -len(zone)].rstrip(".").split(".") if name != zone else []
    notes: list[Note] = []
    if len(labels) >= 2 and labels[-1] in ("svc", "pod") and not view.exposes(labels[-2]):
        option = next(iter(view.directive.options("namespaces")), None)
        notes.append(Note.at(f"namespace {labels[-2]} is not exposed: NXDOMAIN", option))
        return "NXDOMAIN", (), notes
    if len(labels) == 3 and labels[2] == "pod":
        return _pod_name(view, labels[0], labels[1], notes)
    if len(labels) == 3 and labels[2] == "svc":
        notes.extend(_service_notes(view))
    if len(labels) == 4 and labels[3] == "svc" and not labels[0].startswith("_"):
        if view.noendpoints:
            option = next(iter(view.directive.options("noendpoints")), None)
            notes.append(Note.at("noendpoints: per-endpoint names are NXDOMAIN", option))
            return "NXDOMAIN", (), notes
        notes.append(_endpoint_note(view))
    return None, (), notes


def _service_notes(view: KubernetesView) -> list[Note]:
    notes = []
    if view.ignore_empty_service:
        option = next(iter(view.directive.options("ignore")), None)
        notes.append(
            Note.at(
                "ignore empty_service: a Service without ready endpoints is NXDOMAIN, so a "
                "search walk goes on to the next candidate",
                option,
            )
        )
    if view.noendpoints:
        option = next(iter(view.directive.options("noendpoints")), None)
        notes.append(Note.at("noendpoints: headless Services are NXDOMAIN", option))
    return notes


def _pod_name(
    view: KubernetesView, label: str, namespace: str, notes: list[Note]
) -> tuple[str | None, tuple[str, ...], list[Note]]:
    pods_line = view.pods_option
    if view.pods is PodMode.DISABLED:
        source = "pods disabled" if view.pods_option else "pods defaults to disabled"
        notes.append(Note.at(f"pod-IP names are NXDOMAIN ({source})", pods_line))
        return "NXDOMAIN", (), notes
    address = pod_ip_of(label)
    if address is None:
        notes.append(Note.at(f"{label} is not a dashed IP address: NXDOMAIN", pods_line))
        return "NXDOMAIN", (), notes
    if view.pods is PodMode.INSECURE:
        notes.append(
            Note.at(
                f"pods insecure: answers {address} without checking for a pod, "
                f"if namespace {namespace} exists",
                pods_line,
            )
        )
        return None, (address,), notes
    notes.append(
        Note.at(
            f"pods verified: answers {address} only if a pod with that IP runs in "
            f"namespace {namespace}",
            pods_line,
        )
    )
    return None, (address,), notes


def pod_ip_of(label: str) -> str | None:
    """The IP a pod-name label stands for (``1-2-3-4``, ``fd00--1``), as CoreDNS reads it."""
    if label.count("-") == 3 and "--" not in label:
        text = label.replace("-", ".")
    else:
        text = label.replace("-", ":")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _endpoint_note(view: KubernetesView) -> Note:
    if view.endpoint_pod_names is not None:
        return Note.at(
            "endpoint names: the endpoint hostname, else the pod name (at most 63 "
            "characters), else the dashed IP",
            view.endpoint_pod_names,
        )
    return Note.at(
        "endpoint names: the endpoint hostname, else the dashed IP (no endpoint_pod_names)",
        view.directive,
    )


def endpoint_label(view: KubernetesView | None, hostname: str, pod_name: str, ip: str) -> str:
    """The first label of a headless Service's per-endpoint name, as CoreDNS builds it."""
    if hostname:
        return hostname
    if (
        view is not None
        and view.endpoint_pod_names is not None
        and pod_name
        and len(pod_name) <= LABEL_MAX
    ):
        return pod_name
    if "." in ip:
        return ip.replace(".", "-")
    if ":" in ip:
        dashed = ip.replace(":", "-")
        return dashed + "0" if dashed.endswith("-") else dashed
    return ""


# ---------------------------------------------------------------- forward, hosts, template
