"""Which IngressClass, and so which controller, an Ingress belongs to (the
networking.k8s.io/v1 IngressClass rules).

An Ingress nobody claims gets no address and answers 404 from whatever default
backend the traffic lands on, with nothing in the Ingress itself saying why. The
class is decided, in order, by ``spec.ingressClassName``, the deprecated
``kubernetes.io/ingress.class`` annotation, and the default IngressClass, which the
``DefaultIngressClass`` admission plugin writes into the spec on *create only*.
Pure: an :class:`Index` and an Ingress in, a :class:`ClassResolution` out.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_discover.analyze.index import Index
from kubectl_discover.findings import Check, Finding, Severity
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, Unavailable, annotations_of, name_of, namespace_of

CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
NGINX_CONTROLLER = "k8s.io/ingress-nginx"
GCE_CONTROLLER = "k8s.io/ingress-gce"
NGINX_DEFAULT_ANNOTATION_CLASS = "nginx"
"""ingress-nginx's default ``--ingress-class``: the annotation value it claims."""
GCE_ANNOTATION_CLASSES = ("gce", "gce-internal")
"""Annotation values GKE's controller claims (it still reads the annotation)."""

# ---------------------------------------------------------------- catalogue

INGRESS_CLASS_NONE = Check(
    "ingress-class-none",
    Severity.FAIL,
    "Ingress has no class and no controller is sure to claim it",
    "Neither spec.ingressClassName nor the kubernetes.io/ingress.class annotation is set. "
    "The DefaultIngressClass admission plugin fills in the default class only when the "
    "Ingress is created, so without a default at that moment the Ingress stays classless; "
    "ingress-nginx ignores it unless it runs with --watch-ingress-without-class, the "
    "Ingress gets no address and requests get the controller's 404.",
    "Set spec.ingressClassName to the name of an IngressClass, e.g. 'nginx'.",
    area="ingress",
)
INGRESS_CLASS_NOT_FOUND = Check(
    "ingress-class-not-found",
    Severity.FAIL,
    "spec.ingressClassName names no IngressClass",
    "Controllers look the named IngressClass up to compare its spec.controller with their "
    "own id; ingress-nginx ignores an Ingress whose class object does not exist.",
    "Create the IngressClass, or set spec.ingressClassName to an existing one "
    "(kubectl get ingressclass).",
    area="ingress",
)
INGRESS_CLASS_ANNOTATION_DEPRECATED = Check(
    "ingress-class-annotation-deprecated",
    Severity.INFO,
    "Deprecated kubernetes.io/ingress.class annotation",
    "The annotation predates spec.ingressClassName (networking.k8s.io/v1) and is deprecated. "
    "Controllers compare its value with their own --ingress-class flag rather than with an "
    "IngressClass object, so a typo is silently ignored.",
    "Remove the annotation and set spec.ingressClassName to the IngressClass name.",
    area="ingress",
)
INGRESS_CLASS_CONFLICT = Check(
    "ingress-class-conflict",
    Severity.FAIL,
    "spec.ingressClassName and the class annotation disagree",
    "The API server rejects a create that sets both to different values. An Ingress that "
    "already exists with both (changed by a later update) is claimed by controllers that "
    "read the field (ingress-nginx reads spec.ingressClassName first) and by those that "
    "still read the annotation, so two controllers may fight over it.",
    "Remove the kubernetes.io/ingress.class annotation and keep spec.ingressClassName.",
    area="ingress",
)
INGRESS_CLASS_MULTIPLE_DEFAULTS = Check(
    "ingress-class-multiple-defaults",
    Severity.WARN,
    "More than one default IngressClass",
    "Since Kubernetes v1.25 (kubernetes PR #110974) the admission plugin gives a classless "
    "new Ingress the newest default class by creationTimestamp, which may be the wrong "
    "controller; before v1.25 creating a classless Ingress was Forbidden.",
    'Keep the annotation ingressclass.kubernetes.io/is-default-class: "true" on exactly '
    "one IngressClass.",
    area="ingress",
)
INGRESS_CLASS_SKIPPED = Check(
    "ingress-class-skipped",
    Severity.INFO,
    "IngressClass checks skipped",
    "The IngressClass objects could not be read (RBAC) or are not among the files, so the "
    "class and its controller cannot be confirmed.",
    "Grant 'list' on ingressclasses.networking.k8s.io, or include the IngressClass "
    "manifests in the files.",
    area="ingress",
)

CHECKS = (
    INGRESS_CLASS_NONE,
    INGRESS_CLASS_NOT_FOUND,
    INGRESS_CLASS_ANNOTATION_DEPRECATED,
    INGRESS_CLASS_CONFLICT,
    INGRESS_CLASS_MULTIPLE_DEFAULTS,
    INGRESS_CLASS_SKIPPED,
)


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class ClassResolution:
    """The class an Ingress resolves to, how, and the controller behind it.

    ``source`` is "spec", "annotation", "default" (offline: the admission plugin will
    write it on create) or "none". ``controller`` is the IngressClass's spec.controller,
    or the controller implied by an annotation value ("" when unknown).
    """

    name: str
    source: str
    controller: str
    ingress_class: Obj | None
    findings: tuple[Finding, ...] = ()

    @property
    def is_nginx(self) -> bool:
        """True when ingress-nginx claims the Ingress (by class controller or annotation)."""
        return self.controller == NGINX_CONTROLLER

    @property
    def is_gce(self) -> bool:
        return self.controller == GCE_CONTROLLER

    def describe(self) -> str:
        """ "nginx (spec.ingressClassName, controller k8s.io/ingress-nginx)"."""
        if not self.name:
            return "none"
        how = {
            "spec": "spec.ingressClassName",
            "annotation": f"annotation {CLASS_ANNOTATION}",
            "default": "default IngressClass, set on create",
        }.get(self.source, self.source)
        controller = f", controller {self.controller}" if self.controller else ""
        return f"{self.name} ({how}{controller})"


def is_default_class(ingress_class: Obj) -> bool:
    return annotations_of(ingress_class).get(DEFAULT_CLASS_ANNOTATION) == "true"


def controller_of(ingress_class: Obj) -> str:
    return str((ingress_class.get("spec") or {}).get("controller") or "")


def _created(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("creationTimestamp") or "")


def default_classes(index: Index) -> tuple[Obj, ...]:
    """Default IngressClasses, the one the admission plugin picks (v1.25+) first.

    The plugin takes the newest by creationTimestamp and breaks ties by name; RFC 3339
    UTC timestamps compare correctly as strings.
    """
    defaults = [c for c in index.snapshot.ingressclasses if is_default_class(c)]
    by_name = sorted(defaults, key=name_of)
    return tuple(sorted(by_name, key=_created, reverse=True))


def ingress_subject(ingress: Obj, default_namespace: str = "default") -> ObjectRef:
    return ObjectRef("Ingress", namespace_of(ingress, default_namespace), name_of(ingress))


def _annotation_controller(value: str) -> str:
    if value == NGINX_DEFAULT_ANNOTATION_CLASS:
        return NGINX_CONTROLLER
    if value in GCE_ANNOTATION_CLASSES:
        return GCE_CONTROLLER
    return ""


# ---------------------------------------------------------------- resolution


def resolve_class(index: Index, ingress: Obj) -> ClassResolution:
    """Resolve the Ingress's class the way the controllers read it, with findings."""
    subject = ingress_subject(ingress, index.snapshot.default_namespace)
    spec_name = str((ingress.get("spec") or {}).get("ingressClassName") or "")
    annotation = annotations_of(ingress).get(CLASS_ANNOTATION, "")
    findings: list[Finding] = []
    gap = index.snapshot.unavailable_for("ingressclasses")
    classes_known = gap is None and (index.snapshot.live or bool(index.snapshot.ingressclasses))
    findings.extend(_multiple_defaults(index, subject, spec_name or annotation))
    if annotation:
        findings.append(_deprecated(subject, annotation, spec_name))
    if spec_name and annotation and spec_name != annotation:
        findings.append(_conflict(index, subject, spec_name, annotation))

    if spec_name:
        obj = index.ingressclasses.get(spec_name)
        if obj is None:
            findings.append(_not_found(index, subject, spec_name, classes_known, gap))
            return ClassResolution(spec_name, "spec", "", None, tuple(findings))
        return ClassResolution(spec_name, "spec", controller_of(obj), obj, tuple(findings))

    if annotation:
        obj = index.ingressclasses.get(annotation)
        controller = controller_of(obj) if obj is not None else _annotation_controller(annotation)
        return ClassResolution(annotation, "annotation", controller, obj, tuple(findings))

    if not classes_known:
        findings.append(_skipped(index, subject, gap))
        return ClassResolution("", "none", "", None, tuple(findings))
    defaults = default_classes(index)
    if defaults and not index.snapshot.live:
        chosen = defaults[0]
        return ClassResolution(
            name_of(chosen), "default", controller_of(chosen), chosen, tuple(findings)
        )
    findings.append(_none(index, subject, defaults))
    return ClassResolution("", "none", "", None, tuple(findings))


def _multiple_defaults(index: Index, subject: ObjectRef, explicit: str) -> list[Finding]:
    defaults = default_classes(index)
    if len(defaults) < 2 or explicit:
        return []
    names = ", ".join(f"{name_of(c)} ({_created(c) or 'no timestamp'})" for c in defaults)
    return [
        INGRESS_CLASS_MULTIPLE_DEFAULTS(
            subject,
            f"{len(defaults)} IngressClasses are marked default ({names}), so a classless "
            f"Ingress gets the newest, {name_of(defaults[0])} (controller "
            f"{controller_of(defaults[0]) or 'unknown'}), on v1.25+ and is Forbidden before.",
            f"Remove {DEFAULT_CLASS_ANNOTATION} from all but one IngressClass, and set "
            f"spec.ingressClassName on {subject} explicitly.",
            evidence=[("defaults", ", ".join(name_of(c) for c in defaults))],
        )
    ]


def _deprecated(subject: ObjectRef, annotation: str, spec_name: str) -> Finding:
    gke = (
        " GKE's controller still reads it, so keep it there until the GKE version in use "
        "supports spec.ingressClassName."
        if annotation in GCE_ANNOTATION_CLASSES
        else ""
    )
    return INGRESS_CLASS_ANNOTATION_DEPRECATED(
        subject,
        f"{subject} uses the deprecated annotation {CLASS_ANNOTATION}: {annotation!r}, "
        f"which controllers match against their --ingress-class flag, not an IngressClass "
        f"object.{gke}",
        f"Remove metadata.annotations[{CLASS_ANNOTATION!r}] and set spec.ingressClassName: "
        f"{spec_name or annotation}.",
        evidence=[("annotation", annotation)],
    )


def _conflict(index: Index, subject: ObjectRef, spec_name: str, annotation: str) -> Finding:
    live = index.snapshot.live
    consequence = (
        "it must have been changed after creation, so ingress-nginx follows "
        f"spec.ingressClassName {spec_name!r} while annotation-reading controllers may claim "
        f"it as {annotation!r}"
        if live
        else "the API server rejects creating it"
    )
    return INGRESS_CLASS_CONFLICT(
        subject,
        f"{subject} sets spec.ingressClassName {spec_name!r} and annotation {CLASS_ANNOTATION} "
        f"{annotation!r}; {consequence}.",
        f"Remove metadata.annotations[{CLASS_ANNOTATION!r}] from {subject} and keep "
        f"spec.ingressClassName: {spec_name}.",
        severity=Severity.WARN if live else Severity.FAIL,
        evidence=[("ingressClassName", spec_name), ("annotation", annotation)],
    )


def _not_found(
    index: Index, subject: ObjectRef, spec_name: str, classes_known: bool, gap: Unavailable | None
) -> Finding:
    existing = sorted(index.ingressclasses)
    if not classes_known:
        return _skipped(index, subject, gap, wanted=spec_name)
    return INGRESS_CLASS_NOT_FOUND(
        subject,
        f"{subject} has spec.ingressClassName {spec_name!r} but no IngressClass of that name "
        f"exists (classes: {', '.join(existing) or 'none'}), so no controller claims it.",
        f"Set spec.ingressClassName on {subject} to one of: {', '.join(existing)}."
        if existing
        else f"Create IngressClass {spec_name!r} with the spec.controller of the installed "
        "controller (ingress-nginx: k8s.io/ingress-nginx).",
        evidence=[("ingressClassName", spec_name), ("classes", ", ".join(existing))],
    )


def _skipped(
    index: Index, subject: ObjectRef, gap: Unavailable | None, wanted: str = ""
) -> Finding:
    if isinstance(gap, Unavailable):
        why = gap.describe()
        hint = f"Grant '{gap.verb}' on ingressclasses.networking.k8s.io to read them."
    else:
        why = "the files hold no IngressClass"
        hint = "Include the IngressClass manifests (kubectl get ingressclass -o yaml)."
    what = f"class {wanted!r}" if wanted else "the default class"
    return INGRESS_CLASS_SKIPPED(
        subject,
        f"Cannot confirm {what} or its controller for {subject}: {why}.",
        hint,
        evidence=[("reason", why)],
    )


def _none(index: Index, subject: ObjectRef, defaults: tuple[Obj, ...]) -> Finding:
    classes = sorted(index.ingressclasses)
    if defaults:
        # Live: a default exists now, but admission only defaults on create.
        return INGRESS_CLASS_NONE(
            subject,
            f"{subject} has no class although {name_of(defaults[0])} is the default now: the "
            "default is written only when an Ingress is created, so this one is claimed only "
            "by a controller watching Ingresses without class.",
            f"Set spec.ingressClassName: {name_of(defaults[0])} on {subject}.",
            severity=Severity.WARN,
            evidence=[("default", name_of(defaults[0]))],
        )
    return INGRESS_CLASS_NONE(
        subject,
        f"{subject} sets no spec.ingressClassName and no IngressClass is the default, so "
        "ingress-nginx ignores it (unless started with --watch-ingress-without-class) and it "
        "gets no address.",
        f"Set spec.ingressClassName on {subject} to one of: {', '.join(classes)}."
        if classes
        else f"Install an Ingress controller and set spec.ingressClassName on {subject} to its "
        "IngressClass.",
        evidence=[("classes", ", ".join(classes))],
    )
