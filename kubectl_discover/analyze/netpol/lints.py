"""Lints on the policies a path involves: namespaceSelector and podSelector written as
two peers (OR) where one peer (AND) was likely meant, and policies the API server
would reject. Raised with the checks of checks.py."""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from kubectl_discover.analyze.netpol.admin import AdminPolicyView
from kubectl_discover.analyze.netpol.checks import MALFORMED, PEERS_OR
from kubectl_discover.analyze.netpol.fixes import dump
from kubectl_discover.analyze.netpol.model import Direction
from kubectl_discover.analyze.netpol.path import Hop
from kubectl_discover.analyze.netpol.policy import NetworkPolicyView
from kubectl_discover.analyze.netpol.policyset import PolicySet
from kubectl_discover.findings import Finding
from kubectl_discover.refs import ObjectRef


def _involved(policies: PolicySet, hops: Sequence[Hop]) -> list[NetworkPolicyView]:
    refs: set[ObjectRef] = set()
    for hop in hops:
        for side in (hop.verdict.egress, hop.verdict.ingress):
            refs.update(side.isolating)
            if side.rule is not None:
                refs.add(side.rule.policy)
    return policies.views(refs)


def peer_lints(policies: PolicySet, hops: Sequence[Hop]) -> list[Finding]:
    findings = []
    for policy in _involved(policies, hops):
        for direction in Direction:
            for rule in policy.rules(direction):
                peers = rule.peers or ()
                namespaces = [p for p in peers if p.namespace_only]
                pods = [p for p in peers if p.pod_only]
                if not namespaces or not pods:
                    continue
                ns_selector = namespaces[0].namespace_selector
                pod_selector = pods[0].pod_selector
                if ns_selector is None or pod_selector is None:
                    continue
                where = f"spec.{direction.field}[{rule.index}].{direction.peers_field}"
                ns_text, pod_text = _inline(ns_selector.to_dict()), _inline(pod_selector.to_dict())
                message = (
                    f"{policy.ref} {where} lists namespaceSelector {ns_text} "
                    f"and podSelector {pod_text} as two items: it admits "
                    f"every pod of the matching namespaces OR the matching pods of namespace "
                    f"{policy.ref.namespace}. If the pods matching podSelector in those "
                    "namespaces were meant, this is a mistake (likely, not certain)"
                )
                combined = {
                    "namespaceSelector": ns_selector.to_dict(),
                    "podSelector": pod_selector.to_dict(),
                }
                hint = (
                    f"If AND was meant, replace the two items of {where} by one:\n"
                    f"{dump([combined])}"
                )
                findings.append(PEERS_OR(policy.ref, message, hint, evidence=[("rule", where)]))
    return findings


def _inline(selector: object) -> str:
    """A selector on one line, as YAML flow style: ``{matchLabels: {team: shop}}``."""
    return yaml.safe_dump(selector, default_flow_style=True, sort_keys=False).strip()


def malformed_findings(policies: PolicySet) -> list[Finding]:
    findings = []
    views: list[NetworkPolicyView | AdminPolicyView] = [
        *policies.network_policies,
        *policies.admin_policies,
        *policies.baseline_policies,
    ]
    for view in views:
        if view.problems:
            message = f"{view.ref} would be rejected by the API server: {'; '.join(view.problems)}"
            findings.append(MALFORMED(view.ref, message))
    return findings
