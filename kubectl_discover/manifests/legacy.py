"""Read manifests written for API versions the API server no longer serves.

Why this exists: tutorials from the beta era (``extensions/v1beta1`` Ingresses with
``serviceName``/``servicePort``, Deployments without a selector) are still copied
today. A current API server rejects them outright, but the user's real question is
still "would my Service and Ingress work?". So the loader converts each such object
to its current form, the analysis runs on the converted form, and
:mod:`kubectl_discover.analyze.legacy` reports the removal with the converted manifest.

Every function here is pure: it takes the object as read from the file and returns
a new object plus notes saying what the conversion had to decide. The input is
never mutated.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.snapshot import Conversion, Obj

Converted = tuple[dict[str, Any], tuple[str, ...]]
"""A converted object and the notes describing what the conversion decided."""

INGRESS_V1 = "networking.k8s.io/v1"
APPS_V1 = "apps/v1"
BATCH_V1 = "batch/v1"
DISCOVERY_V1 = "discovery.k8s.io/v1"


@dataclass(frozen=True)
class Rule:
    """How to read one removed (apiVersion, kind) pair."""

    target: str
    """The apiVersion that replaced it."""
    removed_in: str
    """The first Kubernetes release that no longer serves the old version."""
    convert: Callable[[Obj, str], Converted]
    """(object, old apiVersion) -> (converted object, notes)."""


# --- Ingress ---------------------------------------------------------------------------


def convert_ingress_v1beta1(obj: Obj, old_version: str) -> Converted:
    """extensions/v1beta1 and networking.k8s.io/v1beta1 Ingress -> networking.k8s.io/v1.

    The field renames follow the API server's own conversion: ``backend`` became
    ``defaultBackend``, ``serviceName``/``servicePort`` became ``service.name`` and
    ``service.port.number`` or ``.name``. A missing ``pathType`` is read as
    ``ImplementationSpecific``, the value the v1beta1 API defaulted it to.
    """
    out = _copy_with_version(obj, INGRESS_V1)
    spec = out.get("spec")
    if not isinstance(spec, dict):
        return out, ()
    notes: list[str] = []
    if "backend" in spec:
        default = _convert_backend(spec["backend"], "spec.backend", notes)
        spec = _renamed(spec, "backend", "defaultBackend", default)
        out["spec"] = spec
        notes.append("spec.backend is spec.defaultBackend in networking.k8s.io/v1")
    untyped: list[str] = []
    rules = spec.get("rules")
    for r, rule in enumerate(rules if isinstance(rules, list) else ()):
        http = rule.get("http") if isinstance(rule, dict) else None
        paths = http.get("paths") if isinstance(http, dict) else None
        if not isinstance(http, dict) or not isinstance(paths, list):
            continue
        for p, path in enumerate(paths):
            if not isinstance(path, dict):
                continue
            where = f"spec.rules[{r}].http.paths[{p}]"
            if "backend" in path:
                path["backend"] = _convert_backend(path["backend"], f"{where}.backend", notes)
            if not path.get("pathType"):
                paths[p] = _with_path_type(path)
                untyped.append(str(path.get("path") or where))
    if untyped:
        notes.append(
            f"pathType was not set on {_listing(untyped)}; read as ImplementationSpecific "
            "(what v1beta1 defaulted to); networking.k8s.io/v1 requires pathType on every "
            "path: choose Prefix or Exact for portable matching"
        )
    return out, tuple(notes)


def _with_path_type(path: dict[str, Any]) -> dict[str, Any]:
    """``path`` with ``pathType: ImplementationSpecific`` right after ``path``."""
    out: dict[str, Any] = {}
    for key, value in path.items():
        if key != "pathType":
            out[key] = value
        if key == "path":
            out["pathType"] = "ImplementationSpecific"
    out.setdefault("pathType", "ImplementationSpecific")
    return out


def _convert_backend(backend: Any, where: str, notes: list[str]) -> Any:
    """One v1beta1 backend -> v1 ``service: {name, port: {number|name}}``."""
    if not isinstance(backend, dict):
        notes.append(f"{where} is not a mapping; kept as written")
        return backend
    if "serviceName" not in backend and "servicePort" not in backend:
        return dict(backend)  # a `resource` backend keeps its shape
    out = {k: v for k, v in backend.items() if k not in ("serviceName", "servicePort")}
    service: dict[str, Any] = {}
    name = backend.get("serviceName")
    if isinstance(name, str) and name:
        service["name"] = name
    else:
        notes.append(f"{where} has no serviceName; networking.k8s.io/v1 requires service.name")
    port = _convert_service_port(backend.get("servicePort"), where, notes)
    if port is not None:
        service["port"] = port
    out["service"] = service
    return out


def _convert_service_port(value: Any, where: str, notes: list[str]) -> dict[str, Any] | None:
    """servicePort (int, digit string or port name) -> v1 ``port`` mapping."""
    if isinstance(value, bool) or value is None:
        notes.append(
            f"{where} has no usable servicePort; networking.k8s.io/v1 requires "
            "service.port.number or service.port.name"
        )
        return None
    if isinstance(value, int):
        return {"number": value}
    if isinstance(value, str) and value.isdigit():
        notes.append(
            f'{where}.servicePort is the string "{value}"; read as port number {int(value)}: '
            f"in networking.k8s.io/v1 write service.port.number: {int(value)} (a quoted "
            "number would be taken as a port name)"
        )
        return {"number": int(value)}
    if isinstance(value, str) and value:
        return {"name": value}
    notes.append(f"{where}.servicePort {value!r} is neither a port number nor a port name")
    return None


# --- IngressClass and same-shape renames ---------------------------------------------------


def convert_same_shape(target: str) -> Callable[[Obj, str], Converted]:
    """A converter for kinds whose fields did not change, only the apiVersion."""

    def convert(obj: Obj, old_version: str) -> Converted:
        return _copy_with_version(obj, target), ()

    return convert


# --- Workloads -------------------------------------------------------------------------


def convert_workload_beta(obj: Obj, old_version: str) -> Converted:
    """Deployment/StatefulSet/DaemonSet/ReplicaSet from a beta group -> apps/v1.

    ``extensions/v1beta1`` and ``apps/v1beta1`` defaulted a missing ``spec.selector``
    to ``matchLabels`` equal to the pod template labels; ``apps/v1beta2`` and
    ``apps/v1`` require it. The analysis needs a selector to find the pods, so the
    converted object carries the one the old API would have used, and a note says so.
    """
    out = _copy_with_version(obj, APPS_V1)
    spec = out.get("spec")
    if not isinstance(spec, dict):
        return out, ()
    notes: list[str] = []
    for field_name, why in _DROPPED_WORKLOAD_FIELDS:
        if field_name in spec:
            del spec[field_name]
            notes.append(f"spec.{field_name} was dropped: {why}")
    if spec.get("selector") is None:
        notes.append(_default_selector(spec, old_version))
    return out, tuple(notes)


_DROPPED_WORKLOAD_FIELDS = (
    ("rollbackTo", "apps/v1 has no rollbackTo; use `kubectl rollout undo`"),
    ("templateGeneration", "apps/v1 DaemonSets track revisions with ControllerRevisions"),
)


def _default_selector(spec: dict[str, Any], old_version: str) -> str:
    template = spec.get("template")
    metadata = template.get("metadata") if isinstance(template, dict) else None
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if not isinstance(labels, dict) or not labels:
        return (
            "spec.selector is missing and the pod template has no labels, so no selector "
            "can be derived: no pods can be matched; apps/v1 requires spec.selector"
        )
    spec["selector"] = {"matchLabels": dict(labels)}
    shown = ", ".join(f"{k}: {v}" for k, v in labels.items())
    if old_version == "apps/v1beta2":
        return (
            f"spec.selector is missing; apps/v1beta2 already required it, so even then this "
            f"object was rejected; analysed with matchLabels {{{shown}}} (the template "
            "labels); apps/v1 requires spec.selector.matchLabels"
        )
    return (
        f"spec.selector was missing; {old_version} defaulted it to the pod template labels, "
        f"so it is set to matchLabels {{{shown}}}; apps/v1 requires spec.selector and never "
        "defaults it"
    )


# --- EndpointSlice ---------------------------------------------------------------------


ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"


def convert_endpointslice_v1beta1(obj: Obj, old_version: str) -> Converted:
    """discovery.k8s.io/v1beta1 EndpointSlice -> discovery.k8s.io/v1.

    v1 replaced each endpoint's free-form ``topology`` map: the zone label became
    the ``zone`` field, the hostname label became ``nodeName`` (when that was not set
    already), and whatever else was in the map is kept as ``deprecatedTopology``.
    """
    out = _copy_with_version(obj, DISCOVERY_V1)
    endpoints = out.get("endpoints")
    if not isinstance(endpoints, list):
        return out, ()
    moved = 0
    for index, endpoint in enumerate(endpoints):
        if isinstance(endpoint, dict) and isinstance(endpoint.get("topology"), dict):
            endpoints[index] = _endpoint_v1(endpoint)
            moved += 1
    if not moved:
        return out, ()
    return out, (
        f"endpoints[].topology ({moved} endpoint{'s' if moved != 1 else ''}) was split into "
        f"zone (from {ZONE_LABEL}), nodeName (from {HOSTNAME_LABEL}) and deprecatedTopology",
    )


def _endpoint_v1(endpoint: dict[str, Any]) -> dict[str, Any]:
    topology = {str(k): v for k, v in endpoint["topology"].items()}
    out = {k: v for k, v in endpoint.items() if k != "topology"}
    zone = topology.pop(ZONE_LABEL, None)
    if zone is not None and "zone" not in out:
        out["zone"] = zone
    host = topology.get(HOSTNAME_LABEL)
    if host is not None and out.get("nodeName") in (None, host):
        out["nodeName"] = host
        del topology[HOSTNAME_LABEL]
    if topology:
        out["deprecatedTopology"] = topology
    return out


# --- The table ---------------------------------------------------------------------------

_INGRESS_RULE = Rule(INGRESS_V1, "v1.22", convert_ingress_v1beta1)
_WORKLOAD_RULE = Rule(APPS_V1, "v1.16", convert_workload_beta)

RULES: Mapping[tuple[str, str], Rule] = {
    ("extensions/v1beta1", "Ingress"): _INGRESS_RULE,
    ("networking.k8s.io/v1beta1", "Ingress"): _INGRESS_RULE,
    ("networking.k8s.io/v1beta1", "IngressClass"): Rule(
        INGRESS_V1, "v1.22", convert_same_shape(INGRESS_V1)
    ),
    # Only the (group, kind) pairs each beta group actually served.
    ("extensions/v1beta1", "Deployment"): _WORKLOAD_RULE,
    ("extensions/v1beta1", "DaemonSet"): _WORKLOAD_RULE,
    ("extensions/v1beta1", "ReplicaSet"): _WORKLOAD_RULE,
    ("apps/v1beta1", "Deployment"): _WORKLOAD_RULE,
    ("apps/v1beta1", "StatefulSet"): _WORKLOAD_RULE,
    ("apps/v1beta2", "Deployment"): _WORKLOAD_RULE,
    ("apps/v1beta2", "StatefulSet"): _WORKLOAD_RULE,
    ("apps/v1beta2", "DaemonSet"): _WORKLOAD_RULE,
    ("apps/v1beta2", "ReplicaSet"): _WORKLOAD_RULE,
    ("batch/v1beta1", "CronJob"): Rule(BATCH_V1, "v1.25", convert_same_shape(BATCH_V1)),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"): Rule(
        DISCOVERY_V1, "v1.25", convert_endpointslice_v1beta1
    ),
}
"""(old apiVersion, kind) -> how to read it. Anything not listed is not converted."""


def convert(obj: Obj) -> Conversion | None:
    """The current form of ``obj`` if it is written in a removed version, else None."""
    version = obj.get("apiVersion")
    kind = obj.get("kind")
    if not isinstance(version, str) or not isinstance(kind, str):
        return None
    rule = RULES.get((version, kind))
    if rule is None:
        return None
    converted, notes = rule.convert(obj, version)
    return Conversion(original=obj, converted=converted, removed_in=rule.removed_in, notes=notes)


def _copy_with_version(obj: Obj, api_version: str) -> dict[str, Any]:
    out: dict[str, Any] = copy.deepcopy(dict(obj))
    out["apiVersion"] = api_version
    return out


def _renamed(mapping: dict[str, Any], old: str, new: str, value: Any) -> dict[str, Any]:
    """A copy of ``mapping`` with key ``old`` replaced by ``new`` at the same position."""
    return {(new if k == old else k): (value if k == old else v) for k, v in mapping.items()}


def _listing(items: list[str], limit: int = 5) -> str:
    """'/a, /b and 3 more' for notes that would otherwise grow with the file."""
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{shown} and {more} more" if more > 0 else shown
