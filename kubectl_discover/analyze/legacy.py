"""Objects written for removed API versions, and annotations today's controllers ignore.

Why: beta-era examples (``extensions/v1beta1`` Ingress with ``serviceName`` and
``ingress.kubernetes.io/rewrite-target``) are still copied into new clusters. The
offline loader converts such objects (``Snapshot.conversions``) so the rest of the
analysis can judge the converted form; this module says, per object, that the API
server will reject the original and shows the manifest to write instead. It also
flags annotations that were renamed or dropped and are now silently ignored.

Pure: reads a Snapshot, returns findings. ``kubernetes.io/ingress.class`` is not
handled here; IngressClass resolution belongs to the Ingress analysis.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import (
    Conversion,
    Obj,
    Snapshot,
    annotations_of,
    name_of,
    namespace_of,
)

REMOVED_API_VERSION = Check(
    id="removed-api-version",
    severity=Severity.FAIL,
    title="Written in an API version the API server no longer serves",
    meaning=(
        "The manifest uses an apiVersion that Kubernetes removed (for example"
        " extensions/v1beta1 Ingress, removed in v1.22; beta Deployments, removed in"
        " v1.16). `kubectl apply` fails with 'no matches for kind'. kubectl-discover"
        " converted the object to the current version so the other checks could still run"
        " on it; the notes say what the conversion had to decide."
    ),
    fix=(
        "Replace the object with the converted manifest shown in the hint (current"
        " apiVersion, renamed fields, explicit pathType and selector), then re-run"
        " kubectl-discover on the new file."
    ),
    area="legacy",
)

LEGACY_ANNOTATION = Check(
    id="legacy-annotation",
    severity=Severity.WARN,
    title="Annotation renamed or removed; current controllers ignore it",
    meaning=(
        "The annotation was read by an older controller release but is ignored now, so the"
        " behaviour it asks for silently does not happen. ingress-nginx reads only the"
        " nginx.ingress.kubernetes.io/ prefix (since 0.9), dropped secure-backends and"
        " grpc-backend in 0.21 and add-base-url in 0.22; the EndpointSlice controller never"
        " read service.alpha.kubernetes.io/tolerate-unready-endpoints."
    ),
    fix=(
        "Rename the annotation to the key named in the hint (or set the field that replaced"
        " it), and check the value still means what you want under the current semantics."
    ),
    area="legacy",
)

CHECKS = (REMOVED_API_VERSION, LEGACY_ANNOTATION)

CLUSTER_SCOPED_KINDS = frozenset({"IngressClass", "Node", "Namespace"})

# Written by the GKE Ingress controller onto the objects it manages: status, not config.
_GCE_STATUS_ANNOTATIONS = frozenset(
    f"ingress.kubernetes.io/{name}"
    for name in (
        "backends",
        "forwarding-rule",
        "https-forwarding-rule",
        "target-proxy",
        "https-target-proxy",
        "url-map",
        "ssl-cert",
        "static-ip",
    )
)
# Controllers that read the bare ingress.kubernetes.io/ prefix themselves.
_OTHER_CONTROLLER_CLASSES = frozenset(
    {"gce", "gce-internal", "traefik", "haproxy", "nghttpx", "alb", "kong", "contour", "istio"}
)
NGINX_CONTROLLER = "k8s.io/ingress-nginx"
OLD_PREFIX = "ingress.kubernetes.io/"
NGINX_PREFIX = "nginx.ingress.kubernetes.io/"

# Server-populated fields left out of the manifest shown in the hint.
_SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
)
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class Replacement:
    """What an ignored annotation became: a new key (with a value) or a field."""

    removed: str
    """The controller release that stopped reading it."""
    key: str = ""
    value: str | None = None
    """A fixed value for the new key; None keeps the old value."""
    instead: str = ""
    """Free text when there is no key to rename to."""


NGINX_REPLACEMENTS: Mapping[str, Replacement] = {
    f"{NGINX_PREFIX}secure-backends": Replacement(
        "ingress-nginx 0.21", f"{NGINX_PREFIX}backend-protocol", "HTTPS"
    ),
    f"{NGINX_PREFIX}grpc-backend": Replacement(
        "ingress-nginx 0.21", f"{NGINX_PREFIX}backend-protocol", "GRPC"
    ),
    f"{NGINX_PREFIX}add-base-url": Replacement(
        "ingress-nginx 0.22", instead="nothing: delete it (rewrites now use capture groups)"
    ),
    f"{NGINX_PREFIX}base-url-scheme": Replacement(
        "ingress-nginx 0.22", instead="nothing: delete it (rewrites now use capture groups)"
    ),
}
"""ingress-nginx annotations that were removed, by key."""

TOLERATE_UNREADY = "service.alpha.kubernetes.io/tolerate-unready-endpoints"


def legacy_findings(snapshot: Snapshot, namespace: str | None) -> tuple[Finding, ...]:
    """Every legacy finding in ``namespace`` (None: all namespaces).

    Conversions of cluster-scoped objects (IngressClass) are reported whatever the
    namespace, since every namespace's Ingresses depend on them.
    """
    found: list[Finding] = []
    for conversion in snapshot.conversions:
        ns = _namespace(conversion.converted, snapshot)
        if namespace is None or ns in ("", namespace):
            found.append(_removed_finding(snapshot, conversion))
    for obj in (*snapshot.ingresses, *snapshot.services):
        ns = _namespace(obj, snapshot)
        if namespace is None or ns == namespace:
            found.extend(_annotation_findings(snapshot, obj))
    return tuple(found)


def legacy_findings_for(
    snapshot: Snapshot, kind: str, namespace: str, name: str
) -> tuple[Finding, ...]:
    """Only the legacy findings about one object (``kubectl discover ingress NAME``)."""
    found: list[Finding] = []
    wanted_ns = "" if kind in CLUSTER_SCOPED_KINDS else namespace
    for conversion in snapshot.conversions:
        obj = conversion.converted
        if _identity(obj, snapshot) == (kind, wanted_ns, name):
            found.append(_removed_finding(snapshot, conversion))
    pool = {"Ingress": snapshot.ingresses, "Service": snapshot.services}.get(kind, ())
    for obj in pool:
        if _identity(obj, snapshot) == (kind, wanted_ns, name):
            found.extend(_annotation_findings(snapshot, obj))
    return tuple(found)


# --- removed-api-version -------------------------------------------------------------------


def _removed_finding(snapshot: Snapshot, conversion: Conversion) -> Finding:
    original, converted = conversion.original, conversion.converted
    kind = str(converted.get("kind", ""))
    old_version = str(original.get("apiVersion", ""))
    new_version = str(converted.get("apiVersion", ""))
    subject = _subject(converted, snapshot)
    message = (
        f"apiVersion {old_version} {kind} was removed in Kubernetes {conversion.removed_in}; "
        f'the API server rejects it (no matches for kind "{kind}" in version '
        f'"{old_version}"), so this {kind} cannot be created as written.'
    )
    manifest = yaml.safe_dump(
        _for_apply(converted), sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    notes = "; check the notes" if conversion.notes else ""
    hint = (
        f"Replace it with this {new_version} manifest (the other findings describe this "
        f"converted form{notes}):\n{manifest.rstrip()}"
    )
    evidence: list[tuple[str, str]] = []
    source = _source(snapshot, converted)
    if source:
        evidence.append(("source", source))
    evidence += [
        ("apiVersion", old_version),
        ("converted to", new_version),
        ("removed in", conversion.removed_in),
    ]
    evidence += [(f"note {i}", note) for i, note in enumerate(conversion.notes, start=1)]
    return REMOVED_API_VERSION(subject, message, hint, evidence=evidence)


def _for_apply(obj: Obj) -> dict[str, Any]:
    """The object without server-populated fields, as one would write it in a file."""
    out = {k: v for k, v in obj.items() if k != "status"}
    metadata = out.get("metadata")
    if isinstance(metadata, Mapping):
        meta = {k: v for k, v in metadata.items() if k not in _SERVER_METADATA}
        annotations = meta.get("annotations")
        if isinstance(annotations, Mapping) and _LAST_APPLIED in annotations:
            rest = {k: v for k, v in annotations.items() if k != _LAST_APPLIED}
            if rest:
                meta["annotations"] = rest
            else:
                del meta["annotations"]
        out["metadata"] = meta
    return out


# --- legacy-annotation ---------------------------------------------------------------------


def _annotation_findings(snapshot: Snapshot, obj: Obj) -> Iterator[Finding]:
    kind = str(obj.get("kind", ""))
    annotations = annotations_of(obj)
    if kind == "Service" and TOLERATE_UNREADY in annotations:
        yield _tolerate_unready_finding(snapshot, obj, annotations[TOLERATE_UNREADY])
    if kind != "Ingress":
        return
    nginx_relevant = _may_be_nginx(snapshot, obj)
    for key, value in annotations.items():
        if key.startswith(OLD_PREFIX) and key not in _GCE_STATUS_ANNOTATIONS and nginx_relevant:
            yield _old_prefix_finding(snapshot, obj, key, value)
        elif key in NGINX_REPLACEMENTS:
            yield _removed_nginx_finding(snapshot, obj, key, value)


def _old_prefix_finding(snapshot: Snapshot, obj: Obj, key: str, value: str) -> Finding:
    renamed = NGINX_PREFIX + key[len(OLD_PREFIX) :]
    subject = _subject(obj, snapshot)
    message = (
        f'annotation "{key}" is ignored: ingress-nginx reads only the "{NGINX_PREFIX}" '
        "prefix (renamed in 0.9), so what it asks for does not happen."
    )
    replacement = NGINX_REPLACEMENTS.get(renamed)
    if replacement is not None:
        hint = _replacement_hint(subject, key, value, renamed, replacement)
    else:
        hint = (
            f'On {subject}, rename metadata.annotations["{key}"] to "{renamed}" (value "{value}").'
        )
        if renamed == f"{NGINX_PREFIX}rewrite-target":
            hint += " " + _rewrite_caveat(obj, value)
    hint += " Keep the old key only if another controller (HAProxy, Traefik 1.x) reads it."
    return LEGACY_ANNOTATION(
        subject, message, hint, evidence=_annotation_evidence(snapshot, obj, key, value)
    )


def _removed_nginx_finding(snapshot: Snapshot, obj: Obj, key: str, value: str) -> Finding:
    replacement = NGINX_REPLACEMENTS[key]
    subject = _subject(obj, snapshot)
    message = (
        f'annotation "{key}" was removed in {replacement.removed} and is ignored, so what '
        "it asks for does not happen."
    )
    hint = _replacement_hint(subject, key, value, key, replacement)
    return LEGACY_ANNOTATION(
        subject, message, hint, evidence=_annotation_evidence(snapshot, obj, key, value)
    )


def _replacement_hint(
    subject: ObjectRef, key: str, value: str, shown_key: str, replacement: Replacement
) -> str:
    if not replacement.key:
        return (
            f'On {subject}, metadata.annotations["{key}"] has no replacement '
            f"({shown_key} was removed in {replacement.removed}): {replacement.instead}."
        )
    new_value = replacement.value if replacement.value is not None else value
    if value.strip().lower() in ("false", "0", "no", "off"):
        return (
            f'On {subject}, delete metadata.annotations["{key}"] (its value "{value}" asks '
            f"for the default anyway)."
        )
    return (
        f'On {subject}, replace metadata.annotations["{key}"] with "{replacement.key}": '
        f'"{new_value}" ({shown_key} was removed in {replacement.removed}).'
    )


def _rewrite_caveat(obj: Obj, target: str) -> str:
    """What renaming rewrite-target will start doing: since ingress-nginx 0.22 the
    target replaces the whole matched URI unless the path has capture groups."""
    paths = [p for p in _ingress_paths(obj) if "(" not in p]
    if "$" in target or not paths:
        return "Since ingress-nginx 0.22 subpaths must be kept with capture groups."
    prefix = paths[0].rstrip("/")
    pattern, group = (f"{prefix}(/|$)(.*)", "$2") if prefix else ("/(.*)", "$1")
    return (
        f'Once renamed it takes effect: since ingress-nginx 0.22 the target "{target}" '
        f"replaces the whole path, so every request under {paths[0]} reaches the backend "
        f'as "{target}"; to keep subpaths use path "{pattern}" with pathType '
        f'ImplementationSpecific and target "{target.rstrip("/")}/{group}".'
    )


def _tolerate_unready_finding(snapshot: Snapshot, obj: Obj, value: str) -> Finding:
    subject = _subject(obj, snapshot)
    spec = obj.get("spec")
    already = isinstance(spec, Mapping) and spec.get("publishNotReadyAddresses") is True
    message = (
        f'annotation "{TOLERATE_UNREADY}" is ignored: EndpointSlices publish unready pods '
        "only when spec.publishNotReadyAddresses is true."
    )
    if already:
        hint = (
            f'On {subject}, delete metadata.annotations["{TOLERATE_UNREADY}"]; '
            "spec.publishNotReadyAddresses: true already does what it asked for."
        )
    else:
        hint = (
            f'On {subject}, replace metadata.annotations["{TOLERATE_UNREADY}"] with '
            "spec.publishNotReadyAddresses: true (if unready pods should be in DNS), or "
            "delete it."
        )
    return LEGACY_ANNOTATION(
        subject,
        message,
        hint,
        severity=Severity.INFO if already else None,
        evidence=_annotation_evidence(snapshot, obj, TOLERATE_UNREADY, value),
    )


def _annotation_evidence(
    snapshot: Snapshot, obj: Obj, key: str, value: str
) -> tuple[tuple[str, str], ...]:
    source = _source(snapshot, obj)
    return (
        *((("source", source),) if source else ()),
        ("annotation", key),
        ("value", value),
    )


def _may_be_nginx(snapshot: Snapshot, ingress: Obj) -> bool:
    """False only when the Ingress clearly belongs to a controller other than ingress-nginx.

    Several other controllers (GKE, HAProxy, Traefik 1.x, nghttpx) read the bare
    ``ingress.kubernetes.io/`` prefix, so the rename advice would be wrong for them.
    This is not class resolution (the Ingress analysis does that), only a guard.
    """
    spec = ingress.get("spec")
    class_name = spec.get("ingressClassName") if isinstance(spec, Mapping) else None
    if isinstance(class_name, str) and class_name:
        for ingress_class in snapshot.ingressclasses:
            if name_of(ingress_class) == class_name:
                class_spec = ingress_class.get("spec")
                controller = (
                    class_spec.get("controller") if isinstance(class_spec, Mapping) else None
                )
                return controller in (None, "", NGINX_CONTROLLER)
        return class_name not in _OTHER_CONTROLLER_CLASSES
    annotated = annotations_of(ingress).get("kubernetes.io/ingress.class", "")
    return annotated not in _OTHER_CONTROLLER_CLASSES


def _ingress_paths(obj: Obj) -> list[str]:
    spec = obj.get("spec")
    rules = spec.get("rules") if isinstance(spec, Mapping) else None
    found: list[str] = []
    for rule in rules if isinstance(rules, list) else ():
        http = rule.get("http") if isinstance(rule, Mapping) else None
        paths = http.get("paths") if isinstance(http, Mapping) else None
        for path in paths if isinstance(paths, list) else ():
            if isinstance(path, Mapping) and isinstance(path.get("path"), str):
                found.append(path["path"])
    return found


# --- identity ----------------------------------------------------------------------------


def _namespace(obj: Obj, snapshot: Snapshot) -> str:
    if obj.get("kind") in CLUSTER_SCOPED_KINDS:
        return ""
    return namespace_of(obj, snapshot.default_namespace)


def _identity(obj: Obj, snapshot: Snapshot) -> tuple[str, str, str]:
    return (str(obj.get("kind", "")), _namespace(obj, snapshot), name_of(obj))


def _subject(obj: Obj, snapshot: Snapshot) -> ObjectRef:
    return ObjectRef(*_identity(obj, snapshot))


def _source(snapshot: Snapshot, obj: Obj) -> str:
    ref = snapshot.sources.get(_identity(obj, snapshot))
    return f"{ref.path}:{ref.line}" if ref else ""
