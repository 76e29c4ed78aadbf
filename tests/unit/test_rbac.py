"""deploy/rbac.yaml grants what the loader needs, and nothing it does not.

The resources to cover come from the loader's own table (``listing.KINDS``), so adding a
kind to the loader without granting it here fails this test.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_discover.api import listing

RBAC = Path(__file__).resolve().parents[2] / "deploy" / "rbac.yaml"

READ_VERBS = frozenset({"get", "list", "watch"})
PROBE_EXTRA = {
    ("", "pods"): frozenset({"create", "delete", "get", "watch"}),
    ("", "pods/exec"): frozenset({"create", "get"}),
    ("", "pods/log"): frozenset({"get"}),
}

Grants = Mapping[tuple[str, str], frozenset[str]]


def roles() -> dict[str, list[dict[str, Any]]]:
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    assert all(d["kind"] == "ClusterRole" for d in docs), "only ClusterRoles are active"
    return {d["metadata"]["name"]: d["rules"] for d in docs}


def grants(rules: list[dict[str, Any]]) -> Grants:
    """(apiGroup, resource) -> verbs, merged over all rules."""
    merged: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        if rule.get("resourceNames"):  # only the DNS ConfigMaps are granted by name
            assert rule["resources"] == [listing.CONFIGMAP_GET_RESOURCE], rule
            continue
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                merged.setdefault((group, resource), set()).update(rule["verbs"])
    return {key: frozenset(verbs) for key, verbs in merged.items()}


@pytest.fixture(scope="module")
def read() -> Grants:
    return grants(roles()["kubectl-discover-read"])


@pytest.fixture(scope="module")
def probe() -> Grants:
    return grants(roles()["kubectl-discover-probe"])


def test_exactly_the_documented_roles() -> None:
    assert set(roles()) == {
        "kubectl-discover-read",
        "kubectl-discover-probe",
        "kubectl-discover-ephemeral",
    }


def test_the_optional_ephemeral_role_grants_only_the_ephemeral_container_patch() -> None:
    """``--ephemeral`` alone needs it, on top of the probe role (it execs like the probe)."""
    assert grants(roles()["kubectl-discover-ephemeral"]) == {
        ("", "pods/ephemeralcontainers"): frozenset({"patch"})
    }
    text = RBAC.read_text()
    assert "OPTIONAL: `--ephemeral` only" in text


def test_read_role_only_reads(read: Grants) -> None:
    writes = {key: verbs - READ_VERBS for key, verbs in read.items() if verbs - READ_VERBS}
    assert writes == {}
    assert not any("*" in group or "*" in res for group, res in read), "no wildcards"


def test_read_role_never_lists_secrets(read: Grants) -> None:
    assert read[("", listing.SECRET_GET_RESOURCE)] == {"get"}


def test_every_listed_kind_is_granted_list(read: Grants) -> None:
    missing = [
        f"{spec.group or 'core'}/{spec.resource}"
        for spec in listing.KINDS
        if "list" not in read.get((spec.group, spec.resource), frozenset())
    ]
    assert missing == []


def test_probe_role_adds_exactly_the_pod_verbs(read: Grants, probe: Grants) -> None:
    added = {
        key: verbs - read.get(key, frozenset())
        for key, verbs in probe.items()
        if verbs - read.get(key, frozenset())
    }
    expected = {key: verbs - read.get(key, frozenset()) for key, verbs in PROBE_EXTRA.items()}
    assert added == expected
    dropped = {key for key, verbs in read.items() if not verbs <= probe.get(key, frozenset())}
    assert dropped == set(), "the probe role keeps every read grant"


def test_dns_configmaps_are_granted_get_by_name_only() -> None:
    for name, rules in roles().items():
        if name == "kubectl-discover-ephemeral":
            continue  # reads nothing: bound beside the probe role
        named = [r for r in rules if r.get("resourceNames")]
        assert named == [
            {
                "apiGroups": [""],
                "resources": ["configmaps"],
                "resourceNames": list(listing.DNS_CONFIGMAP_NAMES),
                "verbs": ["get"],
            }
        ], name
        assert not any("configmaps" in r["resources"] for r in rules if r not in named), name
