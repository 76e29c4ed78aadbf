"""One command's way from a loaded snapshot to the report: diagnose -> probe -> explain ->
report.

The loader (:mod:`kubectl_discover.loading`) and the probe runner are passed in: the CLI
passes the cluster's, the tests a :class:`~kubectl_discover.probing.RecordedProbeRunner`
that replays the JSON a probe pod printed, so the probed path runs the same code with or
without a cluster (as httpx's MockTransport does for HTTP). Nothing here writes output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kubectl_discover import diagnose, explain_dnspath, pernode, report
from kubectl_discover.analyze.gatewayapi import NOT_INSTALLED
from kubectl_discover.analyze.model import Diagnosis
from kubectl_discover.commands import DNS, GATEWAY, GRPCROUTE, HTTPROUTE, INGRESS, ROUTE, SVC, Needs
from kubectl_discover.explain import Row, explain
from kubectl_discover.gcpause import cyclic_gc_paused
from kubectl_discover.loading import Loaded
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.runner import explain_context
from kubectl_discover.snapshot import POLICY_API_NOT_SERVED, Snapshot, namespace_of


@dataclass(frozen=True)
class Subject:
    """What one subject command was asked about."""

    needs: Needs
    name: str
    """A Service or Ingress name, a URL, or a DNS name."""
    client: str | None = None
    """``--from KIND/NAME``: whose resolver a DNS name is read with."""
    method: str = "GET"
    """``route --method``."""
    headers: tuple[str, ...] = ()
    """``route -H 'Name: value'`` (repeatable; ``Host:`` overrides the URL's host)."""
    gateway: tuple[str, str] | None = None
    """``route --gateway NS/NAME``: that Gateway alone."""
    probe_namespace: str | None = None
    """``--probe-namespace``: where the probe pod (the client of ``svc``'s NetworkPolicy
    verdicts when there is no ``--from``) runs."""
    probe_is_client: bool = True
    """The probe is the client the NetworkPolicy verdicts are about: no ``--from``, or
    ``--as-client`` (the client's labels) or ``--ephemeral`` (in the client pod). Otherwise
    a probe timeout is not explained by the client's verdicts (policies see another pod)."""


@dataclass(frozen=True)
class NodeRun:
    """One node's probe pod in a fan-out (``--all-nodes``, ``--nodes``, ``--per-zone``): what
    it observed (None: it did not run, ``error`` says why) and its ``probe`` section."""

    node: str
    result: ProbeResult | None
    document: Mapping[str, Any]
    error: str = ""


@dataclass(frozen=True)
class ProbeRun:
    """What a probe pod observed, and the report's ``probe`` section about the pod.

    With a fan-out, ``nodes`` holds every node's run (``result``/``document`` are the first
    node's that ran) and ``notes`` the nodes left out and why."""

    result: ProbeResult
    document: Mapping[str, Any]
    nodes: tuple[NodeRun, ...] = ()
    notes: tuple[str, ...] = ()


class ProbeRunner(Protocol):
    """Runs the probe for ``diagnoses``; None when there is nothing to probe."""

    def __call__(self, snapshot: Snapshot, diagnoses: Sequence[Diagnosis]) -> ProbeRun | None: ...


def diagnose_subject(
    subject: Subject,
    loaded: Loaded,
    *,
    now: datetime,
    nameserver: str | None = None,
    resolved: tuple[str, ...] = (),
) -> Diagnosis:
    """The static analysis of ``subject`` (pure). ``nameserver``: the probe's resolv.conf
    nameserver, the DNS server of ``svc``'s NetworkPolicy path (None: kube-dns);
    ``resolved``: the addresses the probe got for an ExternalName Service's names."""
    index = loaded.index
    if subject.needs is SVC:
        return diagnose.diagnose_service(
            index,
            loaded.namespace,
            subject.name,
            client_namespaces=_client_namespaces(loaded),
            now=now,
            client=diagnose.PolicyClient(
                subject.client, subject.probe_namespace, nameserver, resolved
            ),
        )
    if subject.needs is INGRESS:
        return diagnose.diagnose_ingress(index, loaded.namespace, subject.name)
    if subject.needs is GATEWAY:
        return diagnose.diagnose_gateway(index, loaded.namespace, subject.name, now=now)
    if subject.needs is HTTPROUTE:
        return diagnose.diagnose_gateway_route(
            index, "HTTPRoute", loaded.namespace, subject.name, now=now
        )
    if subject.needs is GRPCROUTE:
        return diagnose.diagnose_gateway_route(
            index, "GRPCRoute", loaded.namespace, subject.name, now=now
        )
    if subject.needs is ROUTE:
        return diagnose.diagnose_route(
            index,
            subject.name,
            loaded.scope,
            now=now,
            method=subject.method,
            headers=subject.headers,
            gateway=subject.gateway,
        )
    if subject.needs is DNS:
        return diagnose.diagnose_name(
            index, subject.name, loaded.namespace, client=subject.client, now=now
        )
    raise ValueError(f"{subject.needs.name} has no subject")


def _client_namespaces(loaded: Loaded) -> tuple[str, ...]:
    """One other namespace to show the cross-namespace short-name trap from: one whose
    Services were read, so what a short name resolves to there can be predicted. Live,
    ``svc`` reads Services in its own namespace only (the Namespace list, read for
    NetworkPolicies, names namespaces whose Services are unknown): then a namespace that
    does not exist stands for "another namespace"."""
    index = loaded.index
    if index.snapshot.live:
        holding = {namespace_of(s, loaded.namespace) for s in index.snapshot.services}
        known = holding | set(index.pods_by_namespace)
    else:
        known = set(index.namespaces)
    others = sorted(ns for ns in known if ns != loaded.namespace)
    if others:
        return (others[0],)
    absent = ("other", "other-namespace", "another-namespace")
    return (next((n for n in absent if n not in index.namespaces), "other"),)


def skipped_notes(loaded: Loaded, notes: Sequence[str] = ()) -> list[str]:
    """The report's ``skipped``: every refused read, the Gateway API's absence, the
    documents the loader left out, then the caller's notes."""
    snapshot = loaded.snapshot
    refused = [gap.describe() for gap in snapshot.unavailable if gap.refused]
    if not snapshot.gateway_api_served:
        refused.append(NOT_INSTALLED + " (HTTPRoutes, GRPCRoutes and Gateways not read)")
    else:
        refused += [
            gap.describe()
            for gap in snapshot.unavailable
            if gap.not_served and not gap.reason.endswith(POLICY_API_NOT_SERVED)
        ]  # no network-policy-api CRDs: no admin policies exist, nothing was missed
    return refused + list(snapshot.notes) + list(notes)


def subject_report(
    subject: Subject,
    loaded: Loaded,
    *,
    runner: ProbeRunner | None,
    now: datetime,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """Diagnose, probe when a runner is given, explain, and build the report document."""
    diagnosis = diagnose_subject(subject, loaded, now=now)
    run = runner(loaded.snapshot, [diagnosis]) if runner is not None else None
    nameserver = _probe_nameserver(run)
    resolved = _resolved_target(diagnosis, run)
    if diagnosis.policies and (nameserver is not None or resolved):
        # The NetworkPolicy DNS hop follows the nameserver the probe pod really uses (a
        # NodeLocal cache is an address on the node that only an ipBlock matches), and an
        # ExternalName's egress the addresses its target resolved to.
        diagnosis = diagnose_subject(
            subject, loaded, now=now, nameserver=nameserver, resolved=resolved
        )
    context: dict[str, Any] = {
        **explain_context(loaded.snapshot),
        "policies_apply_to_probe": subject.probe_is_client,
    }
    if run is not None and run.nodes:
        rows = pernode.merge(
            [
                pernode.NodeRows(
                    n.node,
                    _node_rows(diagnosis, n.result, n.node, context)
                    if n.result is not None
                    else None,
                    n.error,
                )
                for n in run.nodes
            ]
        )
    elif run is not None:
        node = str(run.document.get("node") or "")
        rows = _node_rows(diagnosis, run.result, node, context)
    else:
        rows = explain(diagnosis, None, **context)
    return report.build_report(
        diagnosis,
        rows,
        source=loaded.source,
        probe=run.document if run is not None else None,
        skipped=skipped_notes(loaded, [*notes, *(run.notes if run is not None else ())]),
        probes=[n.document for n in run.nodes] if run is not None else (),
    )


def _node_rows(
    diagnosis: Diagnosis, result: ProbeResult, node: str, context: Mapping[str, Any]
) -> tuple[Row, ...]:
    """What one probe pod observed, explained: the rows, then one row per DNS path hop."""
    rows = explain(diagnosis, result, **context)
    return rows + tuple(explain_dnspath.rows_for([diagnosis], result.dns_path, probe_node=node))


def _resolved_target(diagnosis: Diagnosis, run: ProbeRun | None) -> tuple[str, ...]:
    """What ``getaddrinfo`` gave in the probe pod for an ExternalName Service's names."""
    if run is None or diagnosis.kind != "ExternalName":
        return ()
    addresses: dict[str, None] = {}
    for observation in run.result.dns:
        if observation.libc is not None and not observation.libc.error:
            addresses.update(dict.fromkeys(observation.libc.addresses))
    return tuple(addresses)


def _probe_nameserver(run: ProbeRun | None) -> str | None:
    if run is None or not run.result.resolver.nameservers:
        return None
    return run.result.resolver.nameservers[0]


def scan_report(loaded: Loaded, notes: Sequence[str] = ()) -> dict[str, Any]:
    """``scan``: every Service and Ingress in scope, worst first."""
    with cyclic_gc_paused():  # about 1 s of scan -A's analysis otherwise (bench/README.md)
        diagnoses = diagnose.scan(loaded.index, loaded.scope)
    return report.build_scan_report(
        diagnoses,
        namespace=loaded.scope,
        source=loaded.source,
        skipped=skipped_notes(loaded, notes),
    )
