"""The cluster-domain summary that replaces the kubeadm assumptions, and the assumed Corefile."""

from __future__ import annotations

from test_corefile_support import config

from kubectl_discover.analyze.corefile import (
    ASSUMED_SOURCE,
    CorefileConfig,
    Handler,
    PodMode,
    assumed_corefile,
    cluster_dns_settings,
    cluster_domains,
    predict,
)


def test_kubeadm_settings() -> None:
    settings = cluster_dns_settings(config("kubeadm.yaml"))
    assert settings.domain == "cluster.local"
    assert settings.kubernetes is not None
    assert (settings.pods, settings.endpoint_pod_names, settings.autopath) == (
        PodMode.INSECURE,
        False,
        False,
    )
    assert (settings.ttl, settings.denial_ttl, settings.denial_cached) == (30, 30, False)


def test_a_custom_domain_with_verified_pods_pod_names_and_autopath() -> None:
    settings = cluster_dns_settings(config("multi.yaml"), "k8s.internal.")
    assert settings.domain == "k8s.internal"
    assert (settings.pods, settings.endpoint_pod_names, settings.autopath) == (
        PodMode.VERIFIED,
        True,
        True,
    )
    assert (settings.ttl, settings.denial_ttl, settings.denial_cached) == (120, 120, True)


def test_a_domain_no_kubernetes_line_serves_has_no_settings_and_says_who_answers() -> None:
    settings = cluster_dns_settings(config("multi.yaml"), "cluster.local")
    assert settings.kubernetes is None and settings.ttl is None
    assert settings.notes[-1].text.startswith("upstream TTLs are clamped")


def test_the_assumed_corefile_is_kubeadms_and_cited_as_an_assumption() -> None:
    assumed = assumed_corefile("corp.internal")
    assert not assumed.refused
    assert cluster_domains(assumed) == ("corp.internal",)
    p = predict(assumed, "10-1-2-3.shop.pod.corp.internal")
    assert p.handler is Handler.KUBERNETES and p.answers == ("10.1.2.3",)
    assert p.notes[-1].follows == f"'pods insecure' ({ASSUMED_SOURCE} line 8)"
    same = cluster_dns_settings(assumed, "corp.internal")
    real = cluster_dns_settings(config("kubeadm.yaml"))
    assert (same.pods, same.ttl, same.denial_ttl, same.denial_cached) == (
        real.pods,
        real.ttl,
        real.denial_ttl,
        real.denial_cached,
    )


def test_the_assumed_corefile_matches_the_kubeadm_fixture_line_for_line() -> None:
    def shape(loaded: CorefileConfig) -> list[tuple[str, int, list[str]]]:
        (block,) = loaded.corefile.blocks
        return [(d.text(), d.where.line, [o.text() for o in d.block]) for d in block.directives]

    assert shape(assumed_corefile()) == shape(config("kubeadm.yaml"))
