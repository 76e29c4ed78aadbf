"""Random Corefiles of real directive shapes: reading, predicting, checking never raise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_discover.analyze.corefile import (
    corefile_findings,
    load_corefile,
    predict,
    read_dns_configmap,
)

WORDS = st.sampled_from(
    [
        ".", "cluster.local", "in-addr.arpa", "10.0.0.0/20", "fd00::/12", "example.com", "0",
        "30", "-1", "3601", "insecure", "verified", "disabled", "bogus", "1.2.3.4", "[::1]:53",
        "tls://9.9.9.9", "/etc/resolv.conf", "__PILLAR__X__", "{$E}", "1h", "5s", "10%", "auto",
        "answer", "name", "value", "exact", "prefix", "suffix", "substring", "regex", "(.*)",
        "{1}", "stop", "continue", "success", "denial", "empty_service", "@kubernetes", "IN",
        "A", "ANY", "\"a b\"", "#", "*",
    ]
)  # fmt: skip
OPTIONS = st.sampled_from(
    [
        "pods", "ttl", "fallthrough", "namespaces", "endpoint_pod_names", "noendpoints",
        "ignore", "success", "denial", "prefetch", "serve_stale", "servfail", "disable",
        "except", "policy", "match", "answer", "rcode", "name", "reload", "10.0.0.1",
    ]
)  # fmt: skip
PLUGINS = st.sampled_from(
    [
        "kubernetes", "cache", "rewrite", "forward", "hosts", "template", "autopath", "errors",
        "log", "bind", "loop", "whoami", "file", "proxy", "import",
    ]
)  # fmt: skip


@st.composite
def directive(draw: st.DrawFn) -> str:
    head = " ".join([draw(PLUGINS), *draw(st.lists(WORDS, max_size=5))])
    options = draw(st.lists(st.tuples(OPTIONS, st.lists(WORDS, max_size=3)), max_size=4))
    if not options:
        return head
    body = "\n".join("    " + " ".join([o, *args]) for o, args in options)
    return f"{head} {{\n{body}\n  }}"


@st.composite
def corefile(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 3))):
        keys = " ".join(
            draw(
                st.lists(
                    st.sampled_from([".", ".:53", "cluster.local", "x:5353"]),
                    min_size=1,
                    max_size=2,
                )
            )
        )
        lines = "\n".join("  " + d for d in draw(st.lists(directive(), max_size=6)))
        blocks.append(f"{keys} {{\n{lines}\n}}")
    return "\n".join(blocks) + "\n"


@settings(max_examples=150, deadline=None)
@given(corefile(), st.sampled_from(["A", "AAAA", "PTR", "SRV"]))
def test_random_corefiles_never_raise(text: str, qtype: str) -> None:
    loaded = load_corefile(text, imports={"a": "log\n"}, env={"E": "x"})
    for name in ("web.shop.svc.cluster.local", "1-2-3-4.shop.pod.cluster.local", "example.com"):
        prediction = predict(loaded, name, qtype=qtype)
        assert prediction.query == name + "."
    configmap = {
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": text},
    }
    findings = corefile_findings(
        read_dns_configmap(configmap),
        pod_ip_names=["1-2-3-4.shop.pod.cluster.local"],
        dns_service_ips=["10.96.0.10", "not-an-ip"],
    )
    assert all(f.message for f in findings)
