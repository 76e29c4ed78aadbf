"""Reading DNS ConfigMaps: CoreDNS, AKS coredns-custom, node-local-dns, kube-dns."""

from __future__ import annotations

from test_corefile_support import configmaps, dns_config

from kubectl_discover.analyze.corefile import ConfigKind, read_dns_configmap
from kubectl_discover.analyze.corefile.model import Where
from kubectl_discover.refs import ObjectRef


def test_coredns_configmap_is_read_with_its_reference() -> None:
    dns = dns_config("kubeadm.yaml")
    assert dns.kind is ConfigKind.COREDNS
    assert dns.ref == ObjectRef("ConfigMap", "kube-system", "coredns")
    assert dns.corefile is not None and dns.kube_dns is None and dns.custom is None
    assert dns.corefile.corefile.source == "kube-system/coredns/Corefile"


def test_aks_custom_keys_are_imported_from_custom() -> None:
    dns = dns_config("aks.yaml")
    assert dns.custom == ObjectRef("ConfigMap", "kube-system", "coredns-custom")
    assert dns.corefile is not None
    uses = dns.corefile.corefile.imports
    assert [(u.pattern, u.resolved) for u in uses] == [
        ("custom/*.override", ("custom/log.override", "custom/rewrite.override")),
        ("custom/*.server", ("custom/puglife.server",)),
    ]
    (main, puglife) = dns.corefile.corefile.blocks
    assert [d.name for d in main.directives][-2:] == ["log", "rewrite"]
    assert puglife.keys == ("puglife.local:53",)


def test_aks_without_coredns_custom_imports_nothing_and_that_is_fine() -> None:
    dns = read_dns_configmap(configmaps("aks.yaml")[0])
    assert dns.corefile is not None
    assert [u.unresolved for u in dns.corefile.corefile.imports] == [False, False]
    assert len(dns.corefile.corefile.blocks) == 1


def test_unreadable_coredns_custom_leaves_the_imports_unresolved() -> None:
    dns = read_dns_configmap(configmaps("aks.yaml")[0], custom_readable=False)
    assert dns.corefile is not None
    assert [(u.pattern, u.where, u.reason) for u in dns.corefile.corefile.unresolved_imports] == [
        (
            "custom/*.override",
            Where("kube-system/coredns/Corefile", 18),
            "the imported files were not read",
        ),
        (
            "custom/*.server",
            Where("kube-system/coredns/Corefile", 20),
            "the imported files were not read",
        ),
    ]


def test_other_keys_of_the_coredns_configmap_are_files_next_to_the_corefile() -> None:
    configmap = {
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {
            "Corefile": ".:53 {\n hosts /etc/coredns/NodeHosts {\n  fallthrough\n }\n}\n",
            "NodeHosts": "172.18.0.3 k3s-server\n",
        },
    }
    dns = read_dns_configmap(configmap)
    assert dns.corefile is not None
    hosts = dns.corefile.servers[0].hosts
    assert hosts is not None and hosts.addresses("k3s-server.") == ("172.18.0.3",)


def test_node_local_dns_placeholders_are_substituted_when_known() -> None:
    dns = dns_config("node-local-dns.yaml", pillars={"__PILLAR__DNS__DOMAIN__": "cluster.local"})
    assert dns.kind is ConfigKind.NODE_LOCAL_DNS
    assert dns.corefile is not None
    keys = [b.keys[0] for b in dns.corefile.corefile.blocks]
    assert keys == ["cluster.local:53", "in-addr.arpa:53", "ip6.arpa:53", ".:53"]
    left = sorted({r.name for r in dns.corefile.corefile.references})
    assert left == [
        "__PILLAR__CLUSTER__DNS__",
        "__PILLAR__DNS__SERVER__",
        "__PILLAR__LOCAL__DNS__",
        "__PILLAR__UPSTREAM__SERVERS__",
    ]


def test_kube_dns_configmap_is_not_a_corefile() -> None:
    dns = dns_config("gke-kube-dns.yaml")
    assert dns.kind is ConfigKind.KUBE_DNS and dns.corefile is None
    assert dns.kube_dns is not None
    assert dns.kube_dns.stub_domains == (
        ("acme.local", ("1.2.3.4",)),
        ("corp.example", ("10.150.0.1", "10.150.0.2")),
    )
    assert dns.kube_dns.upstream_nameservers == ("8.8.8.8", "8.8.4.4")
    assert dns.kube_dns.problems == ()


def test_kube_dns_with_bad_json_reports_problems_instead_of_raising() -> None:
    configmap = {
        "metadata": {"name": "kube-dns", "namespace": "kube-system"},
        "data": {"stubDomains": "{not json", "upstreamNameservers": "[" * 100_000},
    }
    dns = read_dns_configmap(configmap)
    assert dns.kube_dns is not None
    assert dns.kube_dns.problems[0].startswith("stubDomains is not valid JSON")
    assert len(dns.kube_dns.problems) == 2


def test_a_configmap_without_dns_keys_is_other_and_malformed_data_is_tolerated() -> None:
    assert (
        read_dns_configmap({"metadata": {"name": "x"}, "data": {"a": "b"}}).kind is ConfigKind.OTHER
    )
    weird = read_dns_configmap({"metadata": {"name": "coredns"}, "data": ["not", "a", "map"]})
    assert weird.kind is ConfigKind.OTHER
    assert weird.ref == ObjectRef("ConfigMap", "kube-system", "coredns")
