"""Plugin views: kubernetes, cache, forward, hosts, template, autopath, and zone helpers."""

from __future__ import annotations

from test_corefile_support import config

from kubectl_discover.analyze.corefile import CorefileConfig, PodMode, load_corefile
from kubectl_discover.analyze.corefile.cache import effective_capacity
from kubectl_discover.analyze.corefile.forward import UpstreamKind
from kubectl_discover.analyze.corefile.zones import (
    is_subdomain,
    longest_match,
    normalize_zones,
    split_host_port,
)


def block(body: str, keys: str = ".:53") -> CorefileConfig:
    return load_corefile(f"{keys} {{\n{body}\n}}\n")


def problems(loaded: CorefileConfig) -> list[str]:
    return [p.message for p in loaded.problems]


# ---------------------------------------------------------------- zones


def test_subdomain_is_label_aligned() -> None:
    assert is_subdomain("example.com.", "a.example.com.")
    assert is_subdomain("example.com.", "example.com.")
    assert not is_subdomain("example.com.", "badexample.com.")
    assert is_subdomain(".", "anything.")


def test_longest_match_prefers_the_most_specific_zone() -> None:
    zones = (".", "example.com.", "svc.example.com.")
    assert longest_match(zones, "a.svc.example.com.") == "svc.example.com."
    assert longest_match(zones, "b.example.com.") == "example.com."
    assert longest_match(("example.com.",), "example.org.") == ""


def test_plugin_zone_arguments_are_normalized_and_invalid_ones_dropped() -> None:
    assert normalize_zones(["Cluster.Local", "dns://corp:53", "a..b", "10.0.0.0/23"]) == (
        "cluster.local.",
        "corp.",
        "0.0.10.in-addr.arpa.",
        "1.0.10.in-addr.arpa.",
    )
    assert split_host_port("x" * 256) == "specified zone is too long: 256 > 255"


# ---------------------------------------------------------------- kubernetes


def test_kubernetes_defaults_follow_the_plugin() -> None:
    view = block("kubernetes").servers[0].kubernetes
    assert view is not None
    assert view.zones == (".",)
    assert view.pods is PodMode.DISABLED and view.pods_option is None
    assert view.ttl == 5 and view.ttl_option is None
    assert view.fallthrough is None and view.endpoint_pod_names is None
    assert view.namespaces == () and view.exposes("anything")


def test_kubernetes_zones_default_to_the_server_block_keys() -> None:
    view = block("kubernetes", keys="cluster.local:53 10.96.0.0/16").servers[0].kubernetes
    assert view is not None
    assert view.zones == ("cluster.local.", "96.10.in-addr.arpa.")
    assert view.primary_zone == "cluster.local."
    assert view.cluster_domains == ("cluster.local",)


def test_kubernetes_options_are_read() -> None:
    view = config("multi.yaml").servers[2].kubernetes
    assert view is not None
    assert view.zones == ("k8s.internal.", "in-addr.arpa.", "ip6.arpa.")
    assert view.pods is PodMode.VERIFIED
    assert view.endpoint_pod_names is not None
    assert view.namespaces == ("shop", "data", "kube-system", "default")
    assert not view.exposes("other")
    assert view.fallthrough == ("in-addr.arpa.", "ip6.arpa.")
    assert view.ttl == 120


def test_bare_fallthrough_covers_every_zone() -> None:
    view = block("kubernetes cluster.local {\n fallthrough\n}").servers[0].kubernetes
    assert view is not None and view.fallthrough == (".",)


def test_kubernetes_options_coredns_rejects_are_problems() -> None:
    loaded = block(
        "kubernetes cluster.local {\n pods maybe\n ttl 3601\n endpoint_pod_names yes\n"
        " zonal\n noendpoints\n ignore everything\n upstream\n}"
    )
    assert problems(loaded) == [
        "wrong value for pods: maybe, must be one of: disabled, verified, insecure",
        "ttl must be in range [0, 3600]",
        "endpoint_pod_names takes no arguments",
        "unable to parse ignore value: 'everything'",
        "unknown property 'upstream'",
        "zonal requires the endpoint cache; remove noendpoints",
    ]
    assert loaded.refused


def test_kubernetes_with_only_reverse_zones_is_rejected() -> None:
    assert problems(block("kubernetes in-addr.arpa")) == ["non-reverse zone name must be used"]


def test_kubernetes_twice_in_a_block_is_rejected() -> None:
    loaded = block("kubernetes cluster.local\nkubernetes other.local")
    assert problems(loaded) == ["kubernetes can only be used once per server block"]


# ---------------------------------------------------------------- cache


def test_cache_defaults_follow_the_plugin() -> None:
    view = block("cache").servers[0].cache
    assert view is not None
    assert (view.success_max, view.success_min, view.denial_max, view.denial_min) == (
        3600,
        5,
        1800,
        5,
    )
    assert view.success_capacity == 9984 and view.denial_capacity == 9984
    assert view.zones == (".",) and view.serve_stale is None and view.servfail == 5.0


def test_cache_ttl_argument_caps_both_and_the_block_overrides() -> None:
    view = block("cache 30 cluster.local {\n denial 2000 10 2\n}").servers[0].cache
    assert view is not None
    assert view.zones == ("cluster.local.",)
    assert (view.success_max, view.success_min, view.denial_max, view.denial_min) == (30, 5, 10, 2)
    assert view.denial_capacity == 1792
    assert view.clamp(0, denial=False) == 5 and view.clamp(300, denial=False) == 30
    assert view.clamp(1, denial=True) == 2 and view.clamp(60, denial=True) == 10


def test_cache_capacity_is_whole_shards_of_at_least_four() -> None:
    assert effective_capacity(10000) == 9984
    assert effective_capacity(100) == 1024
    assert effective_capacity(5000) == 4864


def test_cache_disable_and_serve_stale() -> None:
    view = block("cache {\n disable denial Cluster.Local\n serve_stale\n}").servers[0].cache
    assert view is not None
    assert view.disable_denial == ("cluster.local.",) and view.disable_success == ()
    assert view.caches_denial("example.com.") and not view.caches_denial("a.cluster.local.")
    assert view.caches_success("a.cluster.local.")
    assert view.serve_stale == 3600.0


def test_cache_values_coredns_rejects_are_problems() -> None:
    loaded = block("cache 0 {\n success 10 0\n servfail 10m\n disable both\n frobnicate\n}")
    assert problems(loaded) == [
        "cache TTL can not be zero or negative: 0",
        "cache TTL can not be zero or negative: 0",
        "servfail needs a DURATION of at most 5m",
        'cache type for disable must be "success" or "denial"',
        "unknown cache option 'frobnicate'",
    ]


# ---------------------------------------------------------------- forward


def test_forward_upstreams_are_classified_with_default_ports() -> None:
    loaded = block(
        "forward . 10.0.0.1 10.0.0.2:5353 [fd00::1]:53 fd00::2 tls://9.9.9.9 "
        "/etc/resolv.conf dns.corp.example __PILLAR__CLUSTER__DNS__"
    )
    (view,) = loaded.servers[0].forwards
    assert [(u.kind, str(u)) for u in view.upstreams] == [
        (UpstreamKind.IP, "10.0.0.1:53"),
        (UpstreamKind.IP, "10.0.0.2:5353"),
        (UpstreamKind.IP, "[fd00::1]:53"),
        (UpstreamKind.IP, "[fd00::2]:53"),
        (UpstreamKind.IP, "tls://9.9.9.9:853"),
        (UpstreamKind.FILE, "/etc/resolv.conf"),
        (UpstreamKind.HOSTNAME, "dns.corp.example"),
        (UpstreamKind.PLACEHOLDER, "__PILLAR__CLUSTER__DNS__"),
    ]
    assert not problems(loaded)


def test_forward_matches_from_zone_minus_except_names() -> None:
    (view,) = config("multi.yaml").servers[0].forwards
    assert view.from_zone == "."
    assert view.excepts == ("legacy.corp.example.com.",)
    assert view.policy == "sequential"
    assert view.matches("a.corp.example.com.")
    assert not view.matches("a.legacy.corp.example.com.")
    assert not view.matches("legacy.corp.example.com.")
    narrow = block("forward corp.example 10.0.0.1").servers[0].forwards[0]
    assert narrow.matches("a.corp.example.") and not narrow.matches("example.com.")


def test_forward_from_itself_is_forwarded_even_when_excepted() -> None:
    (view,) = block("forward example.com 10.0.0.1 {\n except example.com\n}").servers[0].forwards
    assert view.matches("example.com.") and not view.matches("a.example.com.")


def test_forward_lines_coredns_rejects_are_problems() -> None:
    loaded = block("forward .\nforward . unix:///run/dns.sock\nforward . " + "10.0.0.1 " * 16)
    assert problems(loaded) == [
        "forward needs FROM and at least one TO",
        "'unix' is not supported as a destination",
        "more than 15 TOs configured",
    ]


# ---------------------------------------------------------------- hosts, template, autopath


def test_hosts_inline_entries_and_fallthrough() -> None:
    view = config("multi.yaml").servers[2].hosts
    assert view is not None
    assert view.file == "/etc/hosts" and view.ttl == 3600
    assert view.fallthrough == (".",)
    assert view.addresses("registry.lab.example.") == ("10.0.0.50", "fd00::50")
    assert view.addresses("registry.") == ("10.0.0.50",)
    assert view.addresses("localhost.") == ("127.0.0.1", "::1")
    assert view.addresses("web.shop.svc.k8s.internal.") == ()


def test_hosts_file_from_the_configmap_or_unknown() -> None:
    text = ".:53 {\n  hosts /etc/coredns/NodeHosts {\n    ttl 60\n    fallthrough\n  }\n}\n"
    known = load_corefile(text, imports={"NodeHosts": "172.18.0.2 node-a\n# c\nbad line\n"})
    view = known.servers[0].hosts
    assert view is not None and view.ttl == 60
    assert view.addresses("node-a.") == ("172.18.0.2",)
    unknown = load_corefile(text).servers[0].hosts
    assert unknown is not None and unknown.addresses("node-a.") is None


def test_template_view() -> None:
    (view,) = config("multi.yaml").servers[2].templates
    assert (view.qclass, view.qtype, view.zones) == ("IN", "A", ("blocked.example.",))
    assert view.patterns == (r"^ads\.blocked\.example\.$",)
    assert view.answers == ("{{ .Name }} 60 IN A 0.0.0.0",)
    assert view.matches("ads.blocked.example.", "A") is True
    assert view.matches("ads.blocked.example.", "AAAA") is False
    assert view.matches("x.blocked.example.", "A") is False


def test_autopath_view() -> None:
    view = config("multi.yaml").servers[2].autopath
    assert view is not None
    assert (view.source, view.from_plugin, view.zones) == ("@kubernetes", "kubernetes", (".",))
    assert problems(block("autopath")) == ["no resolv-conf specified"]
