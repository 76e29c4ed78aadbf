"""Predictions: which block and plugin answer a name, after rewrite, with which TTLs."""

from __future__ import annotations

from test_corefile_support import config

from kubectl_discover.analyze.corefile import (
    Handler,
    PodMode,
    Where,
    autopath_candidates,
    cluster_domains,
    endpoint_label,
    kubernetes_for,
    load_corefile,
    nxdomain_may_persist,
    pod_ip_of,
    predict,
)

# ---------------------------------------------------------------- kubeadm / EKS


def test_kubeadm_service_names_answer_from_kubernetes_with_ttl_30_and_uncached_nxdomain() -> None:
    p = predict(config("kubeadm.yaml"), "web.shop.svc.cluster.local")
    assert (p.handler, p.name, p.zone, p.plugin_zone) == (
        Handler.KUBERNETES,
        "web.shop.svc.cluster.local.",
        ".",
        "cluster.local.",
    )
    assert p.rcode is None and p.answers == ()
    assert p.ttl == 30  # ttl 30, within cache 30's 5..30
    assert p.denial_ttl == 30 and p.denial_cached is False  # disable denial cluster.local
    assert p.plugin is not None and p.plugin.name == "kubernetes"
    texts = [n.text for n in p.notes]
    assert "answers carry TTL 30 (ttl 30, clamped to 5..30 by cache)" in texts


def test_kubeadm_pod_ip_names_answer_the_ip_insecurely() -> None:
    p = predict(config("kubeadm.yaml"), "10-244-1-5.shop.pod.cluster.local")
    assert p.handler is Handler.KUBERNETES and p.answers == ("10.244.1.5",)
    note = p.notes[-1]
    assert note.text == (
        "pods insecure: answers 10.244.1.5 without checking for a pod, if namespace shop exists"
    )
    assert note.follows == "'pods insecure' (kube-system/coredns/Corefile line 8)"
    assert note.where == Where("kube-system/coredns/Corefile", 8)
    assert p.notes[0].where == Where("kube-system/coredns/Corefile", 1)  # the server block


def test_kubeadm_reverse_names_fall_through_to_forward() -> None:
    p = predict(config("kubeadm.yaml"), "7.12.96.10.in-addr.arpa", qtype="PTR")
    assert p.handler is Handler.KUBERNETES and p.plugin_zone == "in-addr.arpa."
    assert p.denial_ttl is None  # kubernetes hands an unknown PTR on; it never says NXDOMAIN
    assert p.fallthrough is not None and p.fallthrough.handler is Handler.FORWARD
    assert [str(u) for u in p.fallthrough.upstreams] == ["/etc/resolv.conf"]


def test_kubeadm_external_names_are_forwarded_with_the_cache_caps() -> None:
    p = predict(config("kubeadm.yaml"), "example.com")
    assert p.handler is Handler.FORWARD
    assert p.ttl is None and p.ttl_max == 30
    assert p.denial_max == 30 and p.denial_cached is True


def test_eks_keeps_the_default_ttl_and_caches_nxdomain_5_seconds() -> None:
    p = predict(config("eks.yaml"), "web.shop.svc.cluster.local")
    assert (p.ttl, p.denial_ttl, p.denial_cached) == (5, 5, True)
    assert (
        "an NXDOMAIN is cached 5 s here: a name created less than 5 s after a client asked "
        "for it may still be NXDOMAIN"
    ) in [n.text for n in p.notes]


def test_kubernetes_ttl_zero_still_leaves_the_cache_with_its_minimum() -> None:
    loaded = load_corefile(".:53 {\n kubernetes cluster.local {\n  ttl 0\n }\n cache 30\n}\n")
    p = predict(loaded, "a.b.svc.cluster.local")
    assert (p.ttl, p.denial_ttl) == (5, 5)
    bare = load_corefile(".:53 {\n kubernetes cluster.local {\n  ttl 0\n }\n}\n")
    q = predict(bare, "a.b.svc.cluster.local")
    assert (q.ttl, q.denial_ttl, q.denial_cached) == (0, 0, False)


def test_soa_ttl_is_capped_at_300_before_the_cache_clamps_it() -> None:
    loaded = load_corefile(
        ".:53 {\n kubernetes cluster.local {\n  ttl 3600\n }\n cache {\n  denial 9984 3600\n }\n}\n"
    )
    p = predict(loaded, "a.b.svc.cluster.local")
    assert (p.ttl, p.denial_ttl, p.denial_cached) == (3600, 300, True)


# ---------------------------------------------------------------- pods, endpoints, namespaces


def test_pod_ip_names_are_nxdomain_when_pods_is_left_at_its_default() -> None:
    p = predict(
        load_corefile(".:53 {\n kubernetes cluster.local\n}\n"), "1-2-3-4.a.pod.cluster.local"
    )
    assert p.rcode == "NXDOMAIN" and p.answers == ()
    assert p.notes[-1].text == "pod-IP names are NXDOMAIN (pods defaults to disabled)"
    assert p.notes[-1].follows == ""


def test_pods_verified_answers_only_for_a_running_pod_and_bad_labels_are_nxdomain() -> None:
    loaded = config("multi.yaml")
    p = predict(loaded, "fd00--1.shop.pod.k8s.internal", qtype="AAAA")
    assert p.answers == ("fd00::1",)
    assert p.notes[-1].text == (
        "pods verified: answers fd00::1 only if a pod with that IP runs in namespace shop"
    )
    bad = predict(loaded, "not-an-ip.shop.pod.k8s.internal")
    assert bad.rcode == "NXDOMAIN"


def test_hidden_namespaces_are_nxdomain() -> None:
    p = predict(config("multi.yaml"), "web.other.svc.k8s.internal")
    assert p.rcode == "NXDOMAIN"
    assert p.notes[-1].text == "namespace other is not exposed: NXDOMAIN"


def test_endpoint_names_follow_endpoint_pod_names() -> None:
    with_names = predict(config("multi.yaml"), "web-0.web.shop.svc.k8s.internal")
    assert (
        with_names.notes[-1].follows
        == "'endpoint_pod_names' (kube-system/coredns/Corefile line 32)"
    )
    without = predict(config("kubeadm.yaml"), "web-0.web.shop.svc.cluster.local")
    assert without.notes[-1].text == (
        "endpoint names: the endpoint hostname, else the dashed IP (no endpoint_pod_names)"
    )
    multi = kubernetes_for(config("multi.yaml"), "web.shop.svc.k8s.internal")
    kubeadm = kubernetes_for(config("kubeadm.yaml"), "web.shop.svc.cluster.local")
    assert endpoint_label(multi, "", "web-7d9f-abcde", "10.244.1.5") == "web-7d9f-abcde"
    assert endpoint_label(kubeadm, "", "web-7d9f-abcde", "10.244.1.5") == "10-244-1-5"
    assert endpoint_label(multi, "db-0", "db-0-pod", "10.244.1.5") == "db-0"
    assert endpoint_label(multi, "", "p" * 64, "fd00::") == "fd00--0"


def test_pod_ip_labels_are_read_as_coredns_reads_them() -> None:
    assert pod_ip_of("10-244-1-5") == "10.244.1.5"
    assert pod_ip_of("fd00--1") == "fd00::1"
    assert pod_ip_of("1-2-3") is None
    assert pod_ip_of("a-b-c-d") is None


# ---------------------------------------------------------------- rewrite, stubs, ports


def test_rewritten_names_are_answered_for_the_new_name() -> None:
    loaded = config("rewrite.yaml")
    p = predict(loaded, "cart.apps.example.com")
    assert p.rewritten and p.name == "cart.shop.svc.cluster.local."
    assert p.handler is Handler.KUBERNETES
    assert p.notes[1].text == (
        "rewrite suffix: cart.apps.example.com. -> cart.shop.svc.cluster.local.; answers are "
        "mapped back to the asked name"
    )
    assert p.notes[1].follows.endswith("(kube-system/coredns/Corefile line 4)")
    regex = predict(loaded, "api.team-payments.internal")
    assert regex.name == "api.payments.svc.cluster.local."


def test_a_rule_on_another_field_before_a_matching_name_rule_is_flagged() -> None:
    loaded = load_corefile(
        ".:53 {\n rewrite edns0 local set 0xffee abcd\n rewrite name a.example b.example\n"
        " forward . 10.0.0.1\n}\n"
    )
    p = predict(loaded, "a.example")
    assert p.name == "b.example."
    assert any(n.text.startswith("not simulated (a rule on the edns0 field)") for n in p.notes)


def test_stub_domains_go_to_their_own_upstreams_and_except_names_get_servfail() -> None:
    loaded = config("multi.yaml")
    stub = predict(loaded, "git.corp.example.com")
    assert stub.handler is Handler.FORWARD and stub.zone == "corp.example.com."
    assert [str(u) for u in stub.upstreams] == ["10.150.0.1:53", "10.150.0.2:5353"]
    assert (stub.ttl_max, stub.denial_max) == (60, 60)
    excepted = predict(loaded, "old.legacy.corp.example.com")
    assert (excepted.handler, excepted.rcode) == (Handler.NONE, "SERVFAIL")
    consul = predict(loaded, "web.service.consul")
    assert [str(u) for u in consul.upstreams] == ["10.0.9.1:53"]
    assert consul.ttl_max is None  # that block has no cache


def test_the_port_selects_the_server_block() -> None:
    loaded = config("multi.yaml")
    p = predict(loaded, "example.com", port=5353)
    assert [str(u) for u in p.upstreams] == ["tls://1.1.1.1:853", "tls://1.0.0.1:853"]
    refused = predict(loaded, "example.com", port=9953)
    assert (refused.handler, refused.rcode) == (Handler.NONE, "REFUSED")


def test_hosts_answers_listed_names_per_family_and_falls_through_otherwise() -> None:
    loaded = config("multi.yaml")
    a = predict(loaded, "registry.lab.example")
    assert (a.handler, a.answers, a.ttl) == (Handler.HOSTS, ("10.0.0.50",), 600)
    aaaa = predict(loaded, "registry.lab.example", qtype="AAAA")
    assert aaaa.answers == ("fd00::50",)
    other = predict(loaded, "github.com")
    assert other.handler is Handler.FORWARD
    local = predict(loaded, "localhost")
    assert local.answers == ("127.0.0.1",)
    assert local.notes[-1].text == (
        "hosts lists localhost.: 127.0.0.1, ::1 (the kubelet-managed /etc/hosts of the CoreDNS "
        "pod, as written for pods)"
    )
    only_v4 = predict(loaded, "registry", qtype="AAAA")
    assert (only_v4.handler, only_v4.rcode, only_v4.answers) == (Handler.HOSTS, "NOERROR", ())
    txt = predict(loaded, "registry.lab.example", qtype="TXT")
    assert (txt.handler, txt.rcode) == (Handler.HOSTS, "NOERROR")


def test_hosts_without_fallthrough_answers_servfail_for_unlisted_names() -> None:
    loaded = load_corefile(".:53 {\n hosts {\n  10.0.0.1 a.example\n }\n forward . 8.8.8.8\n}\n")
    p = predict(loaded, "b.example")
    assert (p.handler, p.rcode) == (Handler.HOSTS, "SERVFAIL")


def test_hosts_with_an_unread_file_says_so_and_predicts_what_follows() -> None:
    loaded = load_corefile(
        ".:53 {\n hosts /etc/coredns/NodeHosts {\n  fallthrough\n }\n forward . 8.8.8.8\n}\n"
    )
    p = predict(loaded, "node-a")
    assert p.handler is Handler.HOSTS and p.rcode is None
    assert p.notes[-1].text == (
        "answers if /etc/coredns/NodeHosts lists node-a. (its content was not read); "
        "otherwise falls through"
    )
    assert p.fallthrough is not None and p.fallthrough.handler is Handler.FORWARD


def test_template_answers_matching_names_and_servfails_the_rest_of_its_zone() -> None:
    loaded = config("multi.yaml")
    hit = predict(loaded, "ads.blocked.example")
    assert (hit.handler, hit.rcode, hit.answers) == (
        Handler.TEMPLATE,
        "NOERROR",
        ("{{ .Name }} 60 IN A 0.0.0.0",),
    )
    miss = predict(loaded, "www.blocked.example")
    assert (miss.handler, miss.rcode) == (Handler.TEMPLATE, "SERVFAIL")
    other_type = predict(loaded, "ads.blocked.example", qtype="AAAA")
    assert other_type.handler is Handler.FORWARD  # the template is for A only


def test_a_zone_without_an_answering_plugin_is_servfail() -> None:
    loaded = load_corefile("example.org {\n log\n errors\n}\n")
    p = predict(loaded, "www.example.org")
    assert (p.handler, p.rcode) == (Handler.NONE, "SERVFAIL")


def test_unsimulated_answering_plugins_are_named() -> None:
    loaded = load_corefile("example.org {\n file /etc/coredns/db.example.org\n}\n")
    p = predict(loaded, "www.example.org")
    assert p.handler is Handler.OTHER and p.plugin is not None and p.plugin.name == "file"


def test_aks_imported_server_blocks_and_overrides_apply() -> None:
    loaded = config("aks.yaml")
    stub = predict(loaded, "app.puglife.local")
    assert [str(u) for u in stub.upstreams] == ["192.11.0.1:53", "192.11.0.2:53"]
    assert stub.plugin is not None and stub.plugin.where.source == "custom/puglife.server"
    rewritten = predict(loaded, "web.contoso.com")
    assert rewritten.name == "web.default.svc.cluster.local."
    assert rewritten.notes[1].follows == "'rewrite stop {...}' (custom/rewrite.override line 1)"


def test_node_local_dns_forwards_cluster_names_to_the_placeholder_upstream() -> None:
    loaded = config(
        "node-local-dns.yaml",
        pillars={
            "__PILLAR__DNS__DOMAIN__": "cluster.local",
            "__PILLAR__CLUSTER__DNS__": "10.96.0.11",
        },
    )
    p = predict(loaded, "web.shop.svc.cluster.local")
    assert p.zone == "cluster.local."
    assert [str(u) for u in p.upstreams] == ["10.96.0.11:53"]
    assert (p.ttl_max, p.denial_max) == (30, 5)
    outside = predict(loaded, "example.com")
    assert [u.text for u in outside.upstreams] == ["__PILLAR__UPSTREAM__SERVERS__"]


def test_a_refused_corefile_is_said_first() -> None:
    loaded = load_corefile(".:53 {\n proxy . 8.8.8.8\n kubernetes cluster.local\n}\n")
    p = predict(loaded, "a.b.svc.cluster.local")
    assert p.notes[0].text.startswith("a stock CoreDNS v1.14 refuses this Corefile")


# ---------------------------------------------------------------- narrower questions


def test_cluster_domains_come_from_kubernetes_lines_on_the_port() -> None:
    assert cluster_domains(config("kubeadm.yaml")) == ("cluster.local",)
    assert cluster_domains(config("multi.yaml")) == ("k8s.internal",)
    assert cluster_domains(config("multi.yaml"), port=5353) == ()
    assert cluster_domains(config("node-local-dns.yaml")) == ()


def test_kubernetes_for_follows_rewrite_and_fallthrough() -> None:
    view = kubernetes_for(config("rewrite.yaml"), "db.example.com")
    assert view is not None and view.pods is PodMode.INSECURE
    assert kubernetes_for(config("kubeadm.yaml"), "example.com") is None


def test_autopath_candidates_walk_the_pod_search_path_on_the_server() -> None:
    loaded = config("multi.yaml")
    assert autopath_candidates(
        loaded, "web.shop.svc.k8s.internal", "shop", node_search=("ec2.internal",)
    ) == (
        "web.shop.svc.k8s.internal.",
        "web.svc.k8s.internal.",
        "web.k8s.internal.",
        "web.ec2.internal.",
        "web.",
    )
    assert autopath_candidates(loaded, "web.data.svc.k8s.internal", "shop") is None
    assert autopath_candidates(config("kubeadm.yaml"), "web.shop.svc.cluster.local", "shop") is None


def test_autopath_without_pods_verified_is_noted_as_doing_nothing() -> None:
    loaded = load_corefile(
        ".:53 {\n autopath @kubernetes\n kubernetes cluster.local {\n  pods insecure\n }\n}\n"
    )
    p = predict(loaded, "web.shop.svc.cluster.local")
    assert p.notes[1].text == (
        "autopath @kubernetes does nothing: it needs 'pods verified' to find the client pod"
    )


def test_a_young_name_may_still_be_nxdomain_only_where_nxdomain_is_cached() -> None:
    eks = predict(config("eks.yaml"), "new.shop.svc.cluster.local")
    assert nxdomain_may_persist(eks, 4.0) and not nxdomain_may_persist(eks, 5.0)
    kubeadm = predict(config("kubeadm.yaml"), "new.shop.svc.cluster.local")
    assert not nxdomain_may_persist(kubeadm, 1.0)  # disable denial cluster.local


def test_non_ascii_digits_never_crash_the_readers() -> None:
    loaded = load_corefile(
        ".:53 {\n forward . 1.2.3.4:5\u00b2 [::1]:\u00b2\n cache \u00b2\n}\n10.0.0.0/\u00b24 {\n}\n"
    )
    assert loaded.corefile.error is None
    assert [str(u) for u in loaded.servers[0].forwards[0].upstreams] == ["1.2.3.4:53", "[::1]:53"]
    refused = load_corefile(".:5\u00b23 {\n}\n")
    assert refused.corefile.error is not None


def test_ignore_empty_service_and_noendpoints_are_noted_for_service_names() -> None:
    loaded = load_corefile(
        ".:53 {\n kubernetes cluster.local {\n  ignore empty_service\n  noendpoints\n }\n}\n"
    )
    service = predict(loaded, "web.shop.svc.cluster.local")
    assert [n.text for n in service.notes[-2:]] == [
        "ignore empty_service: a Service without ready endpoints is NXDOMAIN, so a search walk "
        "goes on to the next candidate",
        "noendpoints: headless Services are NXDOMAIN",
    ]
    assert service.rcode is None
    endpoint = predict(loaded, "web-0.web.shop.svc.cluster.local")
    assert endpoint.rcode == "NXDOMAIN"
    assert endpoint.notes[-1].follows == "'noendpoints' (Corefile line 4)"


def test_a_block_without_plugins_refuses_its_zone() -> None:
    loaded = load_corefile("example.org\n")
    p = predict(loaded, "www.example.org")
    assert (p.handler, p.rcode, p.zone) == (Handler.NONE, "REFUSED", "example.org.")
