"""TLS checks of an Ingress: Secrets, certificate hosts, validity window, key pairing."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from certs import NOW, Pair, index_of, leaf, other_key, tls_secret

from kubectl_discover.analyze import tls
from kubectl_discover.analyze.tls import check_tls, name_covers, parse_certificate
from kubectl_discover.findings import Finding, Severity
from kubectl_discover.snapshot import Unavailable


def ingress(
    tls_entries: list[dict[str, Any]], hosts: tuple[str, ...] = ("shop.example.com",)
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "ingressClassName": "nginx",
            "tls": tls_entries,
            "rules": [
                {
                    "host": h,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
                for h in hosts
            ],
        },
    }


def run(*objs: Any, live: bool = True, **kw: Any) -> tls.TlsReport:
    ing = objs[0]
    return check_tls(index_of(*objs, live=live, **kw), ing, now=NOW)


def ids(report: tls.TlsReport) -> dict[str, Finding]:
    return {f.id: f for f in report.findings}


ENTRY = {"hosts": ["shop.example.com"], "secretName": "web-tls"}


def test_valid_certificate_covering_the_host_gives_no_finding_and_status_ok() -> None:
    pair = leaf("shop.example.com")
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", pair))
    assert report.findings == ()
    assert report.status_for("shop.example.com") == "ok"
    assert report.entries[0].certificate is not None
    assert report.entries[0].certificate.dns_names == ("shop.example.com",)
    assert report.entries[0].certificate.chain_length == 2


def test_missing_secret_fails_live_and_names_the_namespace_that_has_it() -> None:
    pair = leaf("shop.example.com")
    report = run(ingress([ENTRY]), tls_secret("web-tls", "other", pair))
    finding = ids(report)["ingress-tls-secret-missing"]
    assert finding.severity is Severity.FAIL
    assert "shop/web-tls" in finding.message and "other" in finding.message
    assert report.status_for("shop.example.com") == "secret missing"


def test_missing_secret_offline_is_a_warning_because_secrets_are_rarely_in_the_files() -> None:
    report = run(ingress([ENTRY]), live=False)
    assert ids(report)["ingress-tls-secret-missing"].severity is Severity.WARN


def test_opaque_secret_with_both_keys_is_a_warning_only() -> None:
    pair = leaf("shop.example.com")
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", pair, secret_type="Opaque"))
    finding = ids(report)["ingress-tls-secret-invalid"]
    assert finding.severity is Severity.WARN
    assert "Opaque" in finding.message
    assert report.status_for("shop.example.com") == "ok"


def test_secret_without_tls_key_fails() -> None:
    pair = leaf("shop.example.com")
    data = {"tls.crt": base64.b64encode(pair.cert_pem).decode()}
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", data=data))
    finding = ids(report)["ingress-tls-secret-invalid"]
    assert finding.severity is Severity.FAIL
    assert "no tls.key" in finding.message
    assert report.status_for("shop.example.com") == "secret invalid"


def test_unparseable_certificate_fails() -> None:
    data = {
        "tls.crt": base64.b64encode(b"not a certificate").decode(),
        "tls.key": base64.b64encode(other_key()).decode(),
    }
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", data=data))
    assert ids(report)["ingress-tls-cert-invalid"].severity is Severity.FAIL
    assert report.status_for("shop.example.com") == "bad certificate"


@pytest.mark.parametrize("key", [other_key(), b"-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_key_from_another_certificate_or_unreadable_key_fails(key: bytes) -> None:
    pair = leaf("shop.example.com")
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", pair, key_pem=key))
    assert ids(report)["ingress-tls-key-mismatch"].severity is Severity.FAIL
    assert report.status_for("shop.example.com") == "key mismatch"


def test_host_not_in_sans_fails_and_marks_only_that_host() -> None:
    pair = leaf("shop.example.com")
    entry = {"hosts": ["shop.example.com", "api.example.com"], "secretName": "web-tls"}
    report = run(
        ingress([entry], hosts=("shop.example.com", "api.example.com")),
        tls_secret("web-tls", "shop", pair),
    )
    finding = ids(report)["ingress-tls-host-not-covered"]
    assert "api.example.com" in finding.message
    assert report.status_for("api.example.com") == "SAN mismatch"
    assert report.status_for("shop.example.com") == "ok"


def test_wildcard_san_covers_one_label_but_not_two_nor_the_apex() -> None:
    pair = leaf("*.example.com")
    hosts = ("a.example.com", "a.b.example.com", "example.com")
    report = run(
        ingress([{"hosts": list(hosts), "secretName": "web-tls"}], hosts=hosts),
        tls_secret("web-tls", "shop", pair),
    )
    uncovered = {
        dict(f.evidence)["host"] for f in report.findings if f.id == "ingress-tls-host-not-covered"
    }
    assert uncovered == {"a.b.example.com", "example.com"}


def test_common_name_is_ignored_when_sans_are_present() -> None:
    pair = leaf("other.example.com", cn="shop.example.com")
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", pair))
    finding = ids(report)["ingress-tls-host-not-covered"]
    assert "CN is ignored" in finding.message


def test_cn_only_certificate_is_reported_as_not_covering() -> None:
    pair = leaf(cn="shop.example.com")
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", pair))
    finding = ids(report)["ingress-tls-host-not-covered"]
    assert "only in its CN" in finding.message


def test_expired_certificate_fails() -> None:
    pair = leaf(
        "shop.example.com", not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1)
    )
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", pair))
    assert ids(report)["ingress-tls-expired"].severity is Severity.FAIL
    assert report.status_for("shop.example.com") == "expired"


def test_not_yet_valid_certificate_fails() -> None:
    pair = leaf("shop.example.com", not_before=NOW + timedelta(days=2))
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", pair))
    assert ids(report)["ingress-tls-not-yet-valid"].severity is Severity.FAIL
    assert report.status_for("shop.example.com") == "not yet valid"


def test_certificate_expiring_in_ten_days_warns_but_one_in_thirty_does_not() -> None:
    soon = leaf("shop.example.com", not_after=NOW + timedelta(days=10))
    report = run(ingress([ENTRY]), tls_secret("web-tls", "shop", soon))
    finding = ids(report)["ingress-tls-expiring"]
    assert finding.severity is Severity.WARN and "10 days" in finding.message
    later = leaf("shop.example.com", not_after=NOW + timedelta(days=30))
    assert "ingress-tls-expiring" not in ids(
        run(ingress([ENTRY]), tls_secret("web-tls", "shop", later))
    )


def test_tls_host_without_rule_and_rule_host_without_tls() -> None:
    pair = leaf("shop.example.com", "www.example.com")
    report = run(
        ingress(
            [{"hosts": ["www.example.com"], "secretName": "web-tls"}],
            hosts=("shop.example.com", "api.example.com"),
        ),
        tls_secret("web-tls", "shop", pair),
    )
    without_rule = ids(report)["ingress-tls-host-without-rule"]
    assert without_rule.severity is Severity.WARN and "www.example.com" in without_rule.message
    rule_hosts = {
        dict(f.evidence)["host"]: f
        for f in report.findings
        if f.id == "ingress-tls-rule-without-tls"
    }
    assert set(rule_hosts) == {"shop.example.com", "api.example.com"}
    # ingress-nginx falls back to a certificate whose SANs cover the host.
    assert "web-tls" in rule_hosts["shop.example.com"].message
    assert report.status_for("shop.example.com") == "ok"
    assert report.status_for("api.example.com") == "none"


def test_empty_secret_name_means_the_controller_default_certificate() -> None:
    report = run(ingress([{"hosts": ["shop.example.com"]}]))
    assert ids(report)["ingress-tls-default-certificate"].severity is Severity.INFO
    assert report.status_for("shop.example.com") == "default cert"


def test_unreadable_secrets_skip_the_checks_and_name_the_verb() -> None:
    gap = Unavailable("secrets", "get", "shop", "forbidden")
    report = run(ingress([ENTRY]), unavailable=(gap,))
    finding = ids(report)["ingress-tls-skipped"]
    assert "cannot get secrets in shop" in finding.message
    assert report.status_for("shop.example.com") == "skipped"


def test_no_tls_section_means_status_none_and_no_findings() -> None:
    report = run(ingress([]))
    assert report.findings == () and report.status_for("shop.example.com") == "none"


def test_string_data_secret_from_files_is_read() -> None:
    pair = leaf("shop.example.com")
    secret = tls_secret("web-tls", "shop", data={})
    del secret["data"]
    secret["stringData"] = {"tls.crt": pair.cert_pem.decode(), "tls.key": pair.key_pem.decode()}
    report = run(ingress([ENTRY]), secret, live=False)
    assert report.findings == ()


def _key_fragments(pair: Pair) -> list[str]:
    body = b"".join(pair.key_pem.splitlines()[1:-1]).decode()
    return [body[i : i + 24] for i in range(0, len(body) - 24, 24)]


def test_no_key_material_in_any_finding() -> None:
    pair = leaf("other.example.com", not_after=NOW - timedelta(days=1))
    wrong = leaf("x.example.com")
    secrets = [
        tls_secret("a", "shop", pair),
        tls_secret("b", "shop", pair, key_pem=wrong.key_pem),
    ]
    entries = [
        {"hosts": ["shop.example.com"], "secretName": "a"},
        {"hosts": ["shop.example.com"], "secretName": "b"},
    ]
    report = run(ingress(entries), *secrets)
    assert report.findings
    text = repr(report)
    for fragment in _key_fragments(pair) + _key_fragments(wrong):
        assert fragment not in text
    assert "PRIVATE KEY" not in text


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("shop.example.com", "SHOP.example.com", True),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "a.b.example.com", False),
        ("*.example.com", "example.com", False),
        ("*.example.com", "*.example.com", True),
        ("a.example.com", "*.example.com", False),
        ("shop.example.com", "shop.example.org", False),
    ],
)
def test_name_covers(pattern: str, host: str, expected: bool) -> None:
    assert name_covers(pattern, host) is expected


def test_parse_certificate_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_certificate(b"garbage")


# ---------------------------------------------------------------- every check raised


def _ids_of(*objs: Any, **kw: Any) -> set[str]:
    return set(ids(run(*objs, **kw)))


_GOOD = leaf("shop.example.com")

SCENARIOS: dict[str, Callable[[], set[str]]] = {
    "ingress-tls-skipped": lambda: _ids_of(
        ingress([ENTRY]), unavailable=(Unavailable("secrets", "get", "shop", "forbidden"),)
    ),
    "ingress-tls-secret-missing": lambda: _ids_of(ingress([ENTRY])),
    "ingress-tls-secret-invalid": lambda: _ids_of(
        ingress([ENTRY]), tls_secret("web-tls", "shop", data={"tls.crt": "AAAA"})
    ),
    "ingress-tls-cert-invalid": lambda: _ids_of(
        ingress([ENTRY]),
        tls_secret("web-tls", "shop", data={"tls.crt": "AAAA", "tls.key": "AAAA"}),
    ),
    "ingress-tls-key-mismatch": lambda: _ids_of(
        ingress([ENTRY]), tls_secret("web-tls", "shop", _GOOD, key_pem=other_key())
    ),
    "ingress-tls-host-not-covered": lambda: _ids_of(
        ingress([ENTRY]), tls_secret("web-tls", "shop", leaf("other.example.com"))
    ),
    "ingress-tls-expired": lambda: _ids_of(
        ingress([ENTRY]),
        tls_secret(
            "web-tls",
            "shop",
            leaf(
                "shop.example.com",
                not_before=NOW - timedelta(days=90),
                not_after=NOW - timedelta(seconds=1),
            ),
        ),
    ),
    "ingress-tls-not-yet-valid": lambda: _ids_of(
        ingress([ENTRY]),
        tls_secret(
            "web-tls", "shop", leaf("shop.example.com", not_before=NOW + timedelta(hours=1))
        ),
    ),
    "ingress-tls-expiring": lambda: _ids_of(
        ingress([ENTRY]),
        tls_secret("web-tls", "shop", leaf("shop.example.com", not_after=NOW + timedelta(days=13))),
    ),
    "ingress-tls-host-without-rule": lambda: _ids_of(
        ingress([ENTRY], hosts=("www.example.com",)), tls_secret("web-tls", "shop", _GOOD)
    ),
    "ingress-tls-rule-without-tls": lambda: _ids_of(
        ingress([ENTRY], hosts=("shop.example.com", "api.example.com")),
        tls_secret("web-tls", "shop", _GOOD),
    ),
    "ingress-tls-default-certificate": lambda: _ids_of(ingress([{"hosts": ["shop.example.com"]}])),
}


@pytest.mark.parametrize("check_id", sorted(SCENARIOS))
def test_scenario_raises_its_check(check_id: str) -> None:
    assert check_id in SCENARIOS[check_id]()


@pytest.mark.parametrize("check_id", sorted(SCENARIOS))
def test_good_certificate_raises_none_of_them(check_id: str) -> None:
    assert check_id not in _ids_of(ingress([ENTRY]), tls_secret("web-tls", "shop", _GOOD))


def test_wildcard_tls_host_serves_the_rule_hosts_it_covers() -> None:
    pair = leaf("*.example.com")
    report = run(
        ingress([{"hosts": ["*.example.com"], "secretName": "web-tls"}]),
        tls_secret("web-tls", "shop", pair),
    )
    assert report.findings == ()
    assert report.status_for("shop.example.com") == "ok"


def test_naive_now_is_taken_as_utc() -> None:
    pair = leaf("shop.example.com", not_after=NOW + timedelta(days=10))
    index = index_of(ingress([ENTRY]), tls_secret("web-tls", "shop", pair))
    report = check_tls(index, ingress([ENTRY]), now=NOW.replace(tzinfo=None))
    assert "ingress-tls-expiring" in ids(report)
