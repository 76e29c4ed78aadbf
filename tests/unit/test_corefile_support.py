"""Fixture loading for the Corefile tests, and a check of the loader itself.

Fixtures under tests/fixtures/corefile are DNS ConfigMaps as the API returns them;
a second document in a file is the AKS ``coredns-custom`` ConfigMap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kubectl_discover.analyze.corefile import CorefileConfig, DnsConfig, read_dns_configmap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corefile"


def configmaps(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((FIXTURES / name).read_text()) if d]


def dns_config(name: str, **kwargs: Any) -> DnsConfig:
    docs = configmaps(name)
    custom = docs[1] if len(docs) > 1 else None
    return read_dns_configmap(docs[0], custom=custom, **kwargs)


def config(name: str, **kwargs: Any) -> CorefileConfig:
    loaded = dns_config(name, **kwargs).corefile
    assert loaded is not None, name
    return loaded


def test_every_fixture_is_a_configmap_that_loads_without_problems() -> None:
    names = sorted(p.name for p in FIXTURES.glob("*.yaml"))
    assert names == [
        "aks.yaml",
        "eks.yaml",
        "gke-kube-dns.yaml",
        "kubeadm.yaml",
        "multi.yaml",
        "node-local-dns.yaml",
        "rewrite.yaml",
    ]
    for name in names:
        loaded = dns_config(name)
        assert loaded.ref.kind == "ConfigMap" and loaded.ref.namespace == "kube-system"
        if loaded.corefile is not None:
            assert not loaded.corefile.refused, (name, loaded.corefile.problems)
