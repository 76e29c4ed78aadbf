"""The output document: a Diagnosis plus the explained rows, as plain JSON-ready data.

This is the schema docs/output.md describes and ``-o json|yaml`` print verbatim; the
table and tree renderers read the same document. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubectl_discover.analyze.migration import Backend, Migration
from kubectl_discover.analyze.model import (
    ChainLink,
    Diagnosis,
    DnsExpectation,
    EndpointExpectation,
    PodView,
    PolicyExpectation,
    RouteExpectation,
)
from kubectl_discover.explain import PROBE_ROW, NodeCell, Row
from kubectl_discover.findings import Finding, Severity, Verdict

SCHEMA_VERSION = "kubectl-discover/v1"


def finding_doc(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "severity": finding.severity.label,
        "subject": str(finding.subject),
        "message": finding.message,
        "hint": finding.hint,
        "evidence": dict(finding.evidence),
    }


def _row_fields(row: Row | None) -> dict[str, Any]:
    if row is None:
        return {"observed": "not probed", "verdict": "unknown", "why": ""}
    fields: dict[str, Any] = {
        "expected": row.expected,
        "observed": row.observed,
        "verdict": row.verdict.value,
        "why": row.why,
    }
    if row.evidence:
        fields["evidence"] = dict(row.evidence)
    if row.observation is not None:
        fields["observation"] = dict(row.observation)
    if row.nodes:
        fields["nodes"] = [node_cell_doc(cell) for cell in row.nodes]
        fields["nodesDiffer"] = row.nodes_differ
    return fields


def node_cell_doc(cell: NodeCell) -> dict[str, Any]:
    """One node's view of a row (a fan-out probe: ``--all-nodes``, ``--nodes``, ``--per-zone``)."""
    doc: dict[str, Any] = {
        "node": cell.node,
        "observed": cell.observed,
        "verdict": cell.verdict.value,
        "why": cell.why,
    }
    if cell.observation is not None:
        doc["observation"] = dict(cell.observation)
    return doc


def endpoint_doc(e: EndpointExpectation, row: Row | None) -> dict[str, Any]:
    port = f":{e.port}" if e.port is not None else ""
    return {
        "key": e.key,
        "kind": e.kind,
        "endpoint": f"{e.address}{port}/{e.protocol}" if port else e.address,
        "address": e.address,
        "port": e.port,
        "portName": e.port_name,
        "protocol": e.protocol,
        "target": e.target,
        "expectedReady": e.ready,
        **_row_fields(row),
    }


def dns_doc(d: DnsExpectation, row: Row | None) -> dict[str, Any]:
    return {
        "key": d.key,
        "query": d.query,
        "type": d.qtype,
        "form": d.form.value,
        "fqdn": d.fqdn,
        "clientNamespace": d.client_namespace or None,
        "expectedExists": d.exists,
        "expectedAnswers": list(d.answers),
        "causes": list(d.causes),
        **_row_fields(row),
    }


def route_doc(r: RouteExpectation, row: Row | None) -> dict[str, Any]:
    return {
        "key": r.key,
        "ingress": r.ingress,
        "host": r.host,
        "path": r.path,
        "pathType": r.path_type,
        "service": r.service,
        "servicePort": r.service_port,
        "targetPort": r.target_port,
        "readyEndpoints": r.ready_endpoints,
        "tls": r.tls,
        "addresses": list(r.addresses),
        "kind": r.kind,
        "source": r.source or f"Ingress {r.ingress}",
        "gateway": r.gateway or None,
        "serviceNamespace": r.service_namespace or r.ingress.partition("/")[0],
        "weight": r.weight,
        **_row_fields(row),
    }


def policy_doc(p: PolicyExpectation, row: Row | None) -> dict[str, Any]:
    return {
        "key": p.key,
        "hop": p.hop,
        "direction": p.direction,
        "from": p.source,
        "to": p.destination,
        "port": p.port,
        "protocol": p.protocol,
        "service": p.service or None,
        "servicePort": p.service_port,
        "outcome": p.outcome,
        "decidedBy": p.decided_by,
        "fix": p.fix or None,
        "causes": list(p.causes),
        **_row_fields(row),
    }


def migration_doc(m: Migration) -> dict[str, Any]:
    def backend(b: Backend) -> dict[str, Any]:
        return {
            "service": b.service,
            "serviceNamespace": b.namespace,
            "servicePort": b.port,
            "port": b.number,
            "weight": b.weight,
        }

    return {
        "key": m.key,
        "host": m.host,
        "path": m.path,
        "ingress": {
            "source": m.ingress,
            "path": m.ingress_path,
            "backend": backend(m.ingress_backend),
        },
        "httproute": {
            "source": m.route,
            "gateway": m.gateway,
            "match": m.route_path,
            "backends": [backend(b) for b in m.route_backends],
        },
        "sameBackend": m.same_backend,
        "differences": list(m.differences),
        "annotations": [
            {
                "name": a.name,
                "value": a.value,
                "equivalent": a.equivalent or None,
                "filter": a.filter or None,
                "present": a.present,
            }
            for a in m.annotations
        ],
        "verdict": m.verdict,
    }


def pod_doc(p: PodView) -> dict[str, Any]:
    return {
        "name": p.name,
        "ip": p.ip,
        "ready": p.ready,
        "node": p.node,
        "hostname": p.hostname or None,
        "subdomain": p.subdomain or None,
        "owner": f"{p.owner_kind}/{p.owner_name}" if p.owner_kind else None,
        "fromTemplate": p.from_template,
    }


def chain_doc(link: ChainLink) -> dict[str, Any]:
    return {
        "label": link.label,
        "ok": link.ok,
        "why": link.why,
        "children": [chain_doc(c) for c in link.children],
    }


class _Joined:
    """Rows grouped by the key of the expectation they observe (``Row.key``)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._by_key: dict[str, list[Row]] = {}
        self._order: list[Row] = list(rows)
        for row in self._order:
            self._by_key.setdefault(row.key, []).append(row)

    def first(self, key: str) -> Row | None:
        """The row shown beside the expectation ``key`` (None: not observed)."""
        rows = self._by_key.get(key) if key != PROBE_ROW else None
        return rows[0] if rows else None

    def extra(self) -> list[Row]:
        """Rows not shown beside an expectation: probe facts, further rows of one
        expectation (a second Ingress address, an SNI check), in explain() order."""
        return [
            row
            for row in self._order
            if row.key == PROBE_ROW
            or row.key.startswith(DNS_PATH_KEY)
            or row != self._by_key[row.key][0]
        ]


DNS_PATH_KEY = "dnspath:"
"""Rows about one hop of the DNS path (explain_dnspath): keyed by the hop, observing no
expectation."""


def _extra_row_doc(row: Row) -> dict[str, Any]:
    doc = {"subject": row.subject, **_row_fields(row)}
    if row.key.startswith(DNS_PATH_KEY):
        doc["key"] = row.key
    elif row.key != PROBE_ROW:
        doc["for"] = row.key
    return doc


def verdict_of(findings: Iterable[Finding], rows: Iterable[Row]) -> Verdict:
    """The worst finding or observed row; info counts as ok."""
    severities = [f.severity for f in findings]
    # Static rows restate the findings; only what the probe observed adds to the verdict.
    severities += [
        severity
        for r in rows
        if r.observation is not None and (severity := r.verdict.severity) is not None
    ]
    return Verdict.of(severities)


def build_report(
    diagnosis: Diagnosis,
    rows: Sequence[Row],
    *,
    source: str,
    probe: Mapping[str, Any] | None = None,
    skipped: Sequence[str] = (),
    probes: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The document for ``svc``, ``ingress``, ``route`` and ``dns``. ``probes``: one probe
    section per node of a fan-out probe (``probe`` is then the first node's that ran)."""
    joined = _Joined(rows)
    document = {
        "schemaVersion": SCHEMA_VERSION,
        "subject": {
            "kind": diagnosis.subject_kind,
            "namespace": diagnosis.namespace,
            "name": diagnosis.name,
        },
        "kind": diagnosis.kind,
        "verdict": verdict_of(diagnosis.findings, rows).value,
        "source": source,
        "facts": dict(diagnosis.facts),
        "endpoints": [endpoint_doc(e, joined.first(e.key)) for e in diagnosis.endpoints],
        "dnsNames": [dns_doc(d, joined.first(d.key)) for d in diagnosis.dns],
        "routes": [route_doc(r, joined.first(r.key)) for r in diagnosis.routes],
        "networkPolicies": [policy_doc(p, joined.first(p.key)) for p in diagnosis.policies],
        "observations": [_extra_row_doc(r) for r in joined.extra()],
        "findings": [finding_doc(f) for f in diagnosis.findings],
        "pods": [pod_doc(p) for p in diagnosis.pods],
        "chain": [chain_doc(c) for c in diagnosis.chain],
        "skipped": list(skipped),
        "probe": dict(probe) if probe is not None else None,
    } | (
        {"migration": [migration_doc(m) for m in diagnosis.migration]}
        if diagnosis.subject_kind == "Route"
        else {}
    )
    if probes:
        document["probeNodes"] = [str(p.get("node")) for p in probes]
        document["probes"] = [dict(p) for p in probes]
    return document


def build_scan_report(
    diagnoses: Sequence[Diagnosis],
    *,
    namespace: str | None,
    source: str,
    skipped: Sequence[str] = (),
) -> dict[str, Any]:
    """The document for ``scan``: one item per Service or Ingress, worst first."""
    items = []
    for d in diagnoses:
        fails = [f for f in d.findings if f.severity is Severity.FAIL]
        warns = [f for f in d.findings if f.severity is Severity.WARN]
        top = next(iter(fails or warns), None)
        items.append(
            {
                "namespace": d.namespace,
                "subjectKind": d.subject_kind,
                "name": d.name,
                "kind": d.kind,
                "verdict": d.verdict.value,
                "fail": len(fails),
                "warn": len(warns),
                "top": f"{top.id}: {top.message}" if top else None,
                "findings": [finding_doc(f) for f in d.findings],
            }
        )
    return {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "Scan",
        "namespace": namespace,
        "verdict": Verdict.of(f.severity for d in diagnoses for f in d.findings).value,
        "source": source,
        "items": items,
        "skipped": list(skipped),
    }
