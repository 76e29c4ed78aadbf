"""corefile-* findings: exact messages on small Corefiles and on the fixtures."""

from __future__ import annotations

from typing import Any

from test_corefile_support import dns_config

from kubectl_discover.analyze.corefile import CHECKS, corefile_findings, read_dns_configmap
from kubectl_discover.findings import Finding, Severity
from kubectl_discover.refs import ObjectRef

REF = ObjectRef("ConfigMap", "kube-system", "coredns")


def coredns(corefile: str, **kwargs: Any) -> tuple[Finding, ...]:
    configmap = {
        "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": corefile},
    }
    return corefile_findings(read_dns_configmap(configmap), **kwargs)


def ids(findings: tuple[Finding, ...]) -> list[str]:
    return [f.id for f in findings]


GOOD = (
    ".:53 {\n"
    " kubernetes cluster.local in-addr.arpa ip6.arpa {\n  pods insecure\n"
    "  fallthrough in-addr.arpa ip6.arpa\n }\n"
    " forward . /etc/resolv.conf\n cache 30\n}\n"
)


def test_the_checks_are_declared_in_the_corefile_area() -> None:
    assert {c.area for c in CHECKS} == {"corefile"}
    assert len({c.id for c in CHECKS}) == len(CHECKS) == 14


def test_stock_configurations_raise_nothing() -> None:
    assert coredns(GOOD) == ()
    for name in ("kubeadm.yaml", "eks.yaml", "aks.yaml", "rewrite.yaml"):
        found = corefile_findings(dns_config(name), dns_service_ips=["10.96.0.10"])
        assert [f for f in found if f.severity >= Severity.WARN] == [], name


def test_syntax_error_refuses_the_corefile() -> None:
    (finding,) = coredns(".:53 {\n kubernetes cluster.local\n forward . 8.8.8.8 }\n}\n")
    assert finding.id == "corefile-refused" and finding.severity is Severity.FAIL
    assert finding.subject == REF
    assert finding.message == (
        "ConfigMap kube-system/coredns: kube-system/coredns/Corefile line 3: unexpected '}' "
        "because no matching opening brace: CoreDNS will not load this Corefile."
    )
    assert finding.hint == (
        "fix kube-system/coredns/Corefile line 3 in ConfigMap kube-system/coredns"
    )


def test_a_rejected_option_refuses_the_corefile() -> None:
    found = coredns(GOOD.replace("pods insecure", "pods secure"))
    assert ids(found) == ["corefile-refused"]
    assert found[0].message == (
        "ConfigMap kube-system/coredns: 'pods secure' (kube-system/coredns/Corefile line 3): "
        "wrong value for pods: secure, must be one of: disabled, verified, insecure: "
        "CoreDNS will not load this Corefile."
    )


def test_unknown_and_removed_plugins_are_listed() -> None:
    found = coredns(GOOD.replace(" cache 30\n", " cache 30\n proxy . 8.8.8.8\n k8s_gateway x\n"))
    assert ids(found) == ["corefile-unknown-plugin", "corefile-unknown-plugin"]
    assert found[0].message == (
        "'proxy' at kube-system/coredns/Corefile line 8 in ConfigMap kube-system/coredns is not "
        "a plugin of CoreDNS v1.14 (proxy left the CoreDNS build in 1.5.0; forward replaces it): "
        "a stock build refuses this Corefile, and its effect is not predicted."
    )
    assert found[0].hint == "use forward instead"
    assert found[1].hint == "remove 'k8s_gateway' or run a CoreDNS build that has it"


def test_unresolved_imports_are_reported_info_when_unread() -> None:
    configmap = dns_config("aks.yaml").ref
    assert configmap.name == "coredns"
    from test_corefile_support import configmaps

    unread = read_dns_configmap(configmaps("aks.yaml")[0], custom_readable=False)
    found = corefile_findings(unread)
    assert ids(found) == ["corefile-unresolved-import", "corefile-unresolved-import"]
    assert found[0].severity is Severity.INFO
    assert found[0].message == (
        "'import custom/*.override' at kube-system/coredns/Corefile line 18 in ConfigMap "
        "kube-system/coredns was not resolved (the imported files were not read): what it adds "
        "is not predicted."
    )
    missing = coredns(GOOD.replace(" cache 30\n", " cache 30\n import extra.conf\n"))
    assert ids(missing) == ["corefile-unresolved-import"]
    assert missing[0].severity is Severity.WARN


def test_a_cluster_domain_the_kubernetes_plugin_does_not_serve_fails() -> None:
    found = coredns(GOOD, cluster_domain="corp.internal")
    assert ids(found) == ["corefile-no-cluster-domain"]
    assert found[0].message == (
        "no kubernetes plugin in ConfigMap kube-system/coredns serves the cluster domain "
        "corp.internal (it serves cluster.local): kubernetes.default.svc.corp.internal is not a "
        "cluster name there (forward answers them)."
    )
    assert (
        found[0].hint == "add corp.internal to the kubernetes line in ConfigMap kube-system/coredns"
    )
    bare = coredns(".:53 {\n forward . 8.8.8.8\n}\n")
    assert ids(bare) == ["corefile-no-cluster-domain"]
    assert "(it has no kubernetes plugin on port 53)" in bare[0].message


def test_pod_ip_names_in_use_with_pods_disabled_warn() -> None:
    corefile = GOOD.replace("  pods insecure\n", "")
    found = coredns(
        corefile,
        pod_ip_names=["10-1-2-3.shop.pod.cluster.local", "web.shop.svc.cluster.local"],
    )
    assert ids(found) == ["corefile-pods-disabled"]
    assert found[0].message == (
        "1 pod-IP name(s) in use are NXDOMAIN: pod-IP names are disabled in ConfigMap "
        "kube-system/coredns (e.g. 10-1-2-3.shop.pod.cluster.local)."
    )
    assert coredns(GOOD, pod_ip_names=["10-1-2-3.shop.pod.cluster.local"]) == ()


def test_forwarding_to_itself_fails() -> None:
    loop = coredns(GOOD.replace("/etc/resolv.conf", "127.0.0.1"))
    assert ids(loop) == ["corefile-forward-loop"]
    assert loop[0].message == (
        "'forward . 127.0.0.1' (kube-system/coredns/Corefile line 6) in ConfigMap "
        "kube-system/coredns forwards to itself: 127.0.0.1:53 is this server (loopback, port 53)."
    )
    assert coredns(GOOD.replace("/etc/resolv.conf", "127.0.0.1:5300")) == ()
    service = coredns(
        GOOD.replace("/etc/resolv.conf", "10.96.0.10"), dns_service_ips=["10.96.0.10"]
    )
    assert service[0].message.endswith(
        "forwards to itself: 10.96.0.10:53 is the kube-dns Service in front of this CoreDNS."
    )


def test_node_local_dns_may_forward_to_the_cluster_dns_service() -> None:
    dns = dns_config(
        "node-local-dns.yaml",
        pillars={
            "__PILLAR__DNS__DOMAIN__": "cluster.local",
            "__PILLAR__CLUSTER__DNS__": "10.96.0.10",
        },
    )
    found = corefile_findings(dns, dns_service_ips=["10.96.0.10"])
    assert ids(found) == ["corefile-placeholder"]
    assert found[0].message == (
        "ConfigMap kube-system/node-local-dns holds __PILLAR__DNS__SERVER__, "
        "__PILLAR__LOCAL__DNS__, __PILLAR__UPSTREAM__SERVERS__, filled in when the server "
        "starts: the values they stand for are not known here."
    )


def test_no_upstream_for_external_names_warns() -> None:
    found = coredns(".:53 {\n kubernetes cluster.local\n}\n")
    assert ids(found) == ["corefile-no-upstream"]
    assert found[0].message == (
        "names outside the cluster (e.g. example.com) get SERVFAIL from ConfigMap "
        "kube-system/coredns: no server block on port 53 forwards them."
    )
    refused = coredns("cluster.local {\n kubernetes\n}\n")
    assert ids(refused) == ["corefile-no-upstream"]
    assert "get REFUSED" in refused[0].message


def test_long_negative_caching_of_cluster_names_warns() -> None:
    found = coredns(
        GOOD.replace("pods insecure", "pods insecure\n  ttl 120").replace("cache 30", "cache 600")
    )
    assert ids(found) == ["corefile-long-denial-ttl"]
    assert found[0].message == (
        "ConfigMap kube-system/coredns caches NXDOMAIN for names in cluster.local for 120 s: a "
        "Service or pod created less than 120 s after a client asked for it may still be NXDOMAIN."
    )
    min_ttl = coredns(GOOD.replace("cache 30", "cache {\n  denial 9984 600 60\n }"))
    assert ids(min_ttl) == ["corefile-long-denial-ttl"]
    assert "for 60 s" in min_ttl[0].message
    not_cached = coredns(
        GOOD.replace("pods insecure", "pods insecure\n  ttl 120").replace(
            "cache 30", "cache 600 {\n  disable denial cluster.local\n }"
        )
    )
    assert not_cached == ()


def test_rewrites_of_cluster_names_warn_and_exact_aliases_are_info() -> None:
    broad = coredns(
        GOOD.replace(" cache 30\n", " cache 30\n rewrite name substring .svc. .other.\n")
    )
    assert ids(broad) == ["corefile-rewrites-cluster-names"]
    assert broad[0].severity is Severity.WARN
    assert broad[0].message == (
        "'rewrite name substring .svc. .other.' (kube-system/coredns/Corefile line 8) in "
        "ConfigMap kube-system/coredns rewrites cluster names: kubernetes.default.svc."
        "cluster.local becomes kubernetes.default.other.cluster.local."
    )
    alias = coredns(
        GOOD.replace(
            " cache 30\n", " cache 30\n rewrite name web.shop.svc.cluster.local b.example\n"
        )
    )
    assert ids(alias) == ["corefile-rewrites-cluster-names"]
    assert alias[0].severity is Severity.INFO
    into = coredns(
        GOOD.replace(
            " cache 30\n", " cache 30\n rewrite name db.example.com pg.data.svc.cluster.local\n"
        )
    )
    assert into == ()


def test_autopath_without_pods_verified_warns() -> None:
    found = coredns(GOOD.replace(" cache 30\n", " cache 30\n autopath @kubernetes\n"))
    assert ids(found) == ["corefile-autopath-inactive"]
    assert found[0].message == (
        "'autopath @kubernetes' (kube-system/coredns/Corefile line 8) in ConfigMap "
        "kube-system/coredns does nothing: the kubernetes plugin of server block '.:53' "
        "(kube-system/coredns/Corefile line 1) has pods insecure, not verified."
    )


def test_kube_dns_is_said_to_be_kube_dns() -> None:
    (finding,) = corefile_findings(dns_config("gke-kube-dns.yaml"))
    assert finding.id == "corefile-kube-dns" and finding.severity is Severity.INFO
    assert finding.subject == ObjectRef("ConfigMap", "kube-system", "kube-dns")
    assert finding.message == (
        "ConfigMap kube-system/kube-dns configures kube-dns, not CoreDNS: there is no Corefile to "
        "read; stub domains: acme.local -> 1.2.3.4, corp.example -> 10.150.0.1 10.150.0.2."
    )


def test_the_multi_block_fixture_with_its_own_domain() -> None:
    found = corefile_findings(dns_config("multi.yaml"), cluster_domain="k8s.internal")
    assert ids(found) == ["corefile-long-denial-ttl"]
    assert "for 120 s" in found[0].message


def test_a_stub_domain_forward_after_the_catch_all_is_never_used() -> None:
    found = coredns(GOOD.replace(" cache 30\n", " cache 30\n forward corp.example 10.0.0.53\n"))
    assert ids(found) == ["corefile-forward-shadowed"]
    assert found[0].message == (
        "'forward corp.example 10.0.0.53' (kube-system/coredns/Corefile line 8) in ConfigMap "
        "kube-system/coredns is never used: 'forward . /etc/resolv.conf' "
        "(kube-system/coredns/Corefile line 6) comes first and takes corp.example and every "
        "name below it."
    )
    first = GOOD.replace(
        " forward . /etc/resolv.conf\n",
        " forward corp.example 10.0.0.53\n forward . /etc/resolv.conf\n",
    )
    assert coredns(first) == ()
    excepted = GOOD.replace(
        " forward . /etc/resolv.conf\n",
        " forward . /etc/resolv.conf {\n  except corp.example\n }\n"
        " forward corp.example 10.0.0.53\n",
    )
    assert coredns(excepted) == ()


def test_a_bare_fallthrough_forwards_unknown_cluster_names_upstream() -> None:
    found = coredns(GOOD.replace("fallthrough in-addr.arpa ip6.arpa", "fallthrough"))
    assert ids(found) == ["corefile-cluster-fallthrough"]
    assert found[0].message == (
        "'kubernetes cluster.local in-addr.arpa ip6.arpa {...}' (kube-system/coredns/Corefile "
        "line 2) in ConfigMap kube-system/coredns falls through for cluster.local: names there "
        "that do not exist are forwarded to /etc/resolv.conf instead of answered NXDOMAIN."
    )
    to_file = GOOD.replace("fallthrough in-addr.arpa ip6.arpa", "fallthrough").replace(
        " forward . /etc/resolv.conf\n",
        " file /etc/coredns/db.cluster.local cluster.local\n forward . /etc/resolv.conf\n",
    )
    assert "corefile-cluster-fallthrough" not in ids(coredns(to_file))
