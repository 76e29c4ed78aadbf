"""The Ingress -> HTTPRoute migration check of ``route URL`` (issue 17 part 5), through
``cli.run`` on tests/fixtures/gateway/migration.yaml (an Ingress and an HTTPRoute claiming
the same hosts): same backend or not (the Ingress port name resolved through the Service),
path semantics, ingress-nginx regex mode, and the annotations with and without an HTTPRoute
equivalent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kubectl_discover.analyze.migration import EQUIVALENTS
from kubectl_discover.cli import run

FIXTURE = str(Path(__file__).resolve().parents[1] / "fixtures" / "gateway" / "migration.yaml")


def _route(capsys: pytest.CaptureFixture[str], url: str) -> dict[str, Any]:
    code = run(["route", url, "-A", "-f", FIXTURE, "--no-probe", "-o", "json"])
    out, err = capsys.readouterr()
    assert err == "" and code in (0, 1)
    doc: dict[str, Any] = json.loads(out)
    return doc


def _migration_findings(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["id"], f["message"]) for f in doc["findings"] if "-migration-" in f["id"]]


def test_the_same_service_port_by_name_and_by_number_is_the_same_backend(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _route(capsys, "http://shop.example.com/api/cart")
    assert doc["migration"] == [
        {
            "key": "migration shop.example.com/api/cart: Ingress shop/storefront / HTTPRoute "
            "shop/store rule 0 match 0",
            "host": "shop.example.com",
            "path": "/api/cart",
            "ingress": {
                "source": "Ingress shop/storefront",
                "path": "Prefix /api",
                "backend": {
                    "service": "api",
                    "serviceNamespace": "shop",
                    "servicePort": "http",
                    "port": 8080,
                    "weight": None,
                },
            },
            "httproute": {
                "source": "HTTPRoute shop/store rule 0 match 0",
                "gateway": "infra/gw listener http",
                "match": "PathPrefix /api",
                "backends": [
                    {
                        "service": "api",
                        "serviceNamespace": "shop",
                        "servicePort": "8080",
                        "port": 8080,
                        "weight": 1,
                    }
                ],
            },
            "sameBackend": True,
            "differences": [],
            "annotations": [],
            "verdict": "ok",
        }
    ]
    assert _migration_findings(doc) == [
        (
            "gateway-migration-same",
            "Ingress shop/storefront (Prefix /api) and HTTPRoute shop/store rule 0 match 0 "
            "(PathPrefix /api) both send shop.example.com/api/cart to shop/api:http (8080).",
        )
    ]


def test_a_different_service_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _route(capsys, "http://shop.example.com/about")
    (m,) = doc["migration"]
    assert (m["sameBackend"], m["verdict"]) == (False, "warn")
    assert m["differences"] == [
        "the Ingress sends the URL to shop/web:http (80), the HTTPRoute to shop/web-v2:80"
    ]


def test_an_ingress_prefix_written_as_an_httproute_exact_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _route(capsys, "http://shop.example.com/docs/x")
    (m,) = doc["migration"]
    assert m["httproute"]["source"] == "HTTPRoute shop/store rule 3 match 0"
    assert m["differences"] == [
        "the Ingress sends the URL to shop/web:http (80), the HTTPRoute to shop/web-v2:80",
        "the Ingress matches it with Prefix /docs, the HTTPRoute with PathPrefix /: other URLs "
        "are routed differently",
        "HTTPRoute shop/store rule 1 has Exact /docs, which does not match /docs/x; the "
        "Ingress's Prefix /docs does (PathPrefix is its equivalent)",
    ]
    # /docs itself: both match it, Exact and Prefix agree there, the backend does not differ
    doc = _route(capsys, "http://shop.example.com/docs")
    (m,) = doc["migration"]
    assert (m["httproute"]["match"], m["sameBackend"]) == ("Exact /docs", True)
    assert m["differences"] == [
        "the Ingress matches Prefix /docs, the HTTPRoute Exact /docs: PathPrefix is the same "
        "semantics"
    ]


def test_regex_mode_and_annotations_with_and_without_an_equivalent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = _route(capsys, "http://old.example.com/v1/x")
    (m,) = doc["migration"]
    assert m["differences"] == [
        "the Ingress sends the URL to shop/api:http (8080), the HTTPRoute to no backend (301)",
        "ingress-nginx regex mode is on for host old.example.com (use-regex or rewrite-target on "
        "Ingress shop/legacy): the Ingress path /v1(/|$)(.*) is a case-insensitive regex "
        "prefix, the HTTPRoute's PathPrefix /v1 is case-sensitive and element-wise",
        "annotation nginx.ingress.kubernetes.io/rewrite-target (URLRewrite filter (path)) has "
        "no URLRewrite filter on HTTPRoute shop/store rule 2",
    ]
    assert [(a["name"], a["filter"], a["present"]) for a in m["annotations"]] == [
        ("nginx.ingress.kubernetes.io/auth-url", None, None),
        ("nginx.ingress.kubernetes.io/limit-rps", None, None),
        ("nginx.ingress.kubernetes.io/rewrite-target", "URLRewrite", False),
        ("nginx.ingress.kubernetes.io/ssl-redirect", "RequestRedirect", True),
    ]
    assert [f[0] for f in _migration_findings(doc)] == [
        "gateway-migration-differs",
        "gateway-migration-annotation-unmapped",
    ]
    unmapped = _migration_findings(doc)[1][1]
    assert unmapped == (
        "Ingress shop/legacy uses nginx.ingress.kubernetes.io/auth-url, "
        "nginx.ingress.kubernetes.io/limit-rps: no filter or field of a standard-channel "
        "HTTPRoute expresses them, so HTTPRoute shop/store rule 2 match 0 does not do them."
    )


def test_only_route_url_without_gateway_compares(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        ["route", "http://shop.example.com/about", "-A", "-f", FIXTURE, "--no-probe",
         "--gateway", "infra/gw", "-o", "json"]
    )  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["migration"] == []
    code = run(["httproute", "store", "-n", "shop", "-f", FIXTURE, "--no-probe", "-o", "json"])
    assert "migration" not in json.loads(capsys.readouterr().out)


def test_every_filter_named_as_an_equivalent_is_a_standard_httproute_filter() -> None:
    standard = {
        "RequestHeaderModifier",
        "ResponseHeaderModifier",
        "RequestMirror",
        "RequestRedirect",
        "URLRewrite",
        "CORS",
    }
    assert {e.filter for e in EQUIVALENTS.values() if e.filter} <= standard


IMPLEMENTATION_SPECIFIC = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: plain
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/use-regex: "false"}
spec:
  rules:
    - host: plain.example.com
      http:
        paths:
          - path: /cart
            pathType: ImplementationSpecific
            backend: {service: {name: api, port: {number: 8080}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: plain, namespace: shop}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [plain.example.com]
  rules:
    - matches:
        - path: {type: PathPrefix, value: /cart}
          method: GET
          headers: [{name: x-tenant, value: a}]
      backendRefs: [{name: api, port: 8080}]
"""


def test_implementation_specific_and_conditions_only_the_httproute_has(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    extra = tmp_path / "plain.yaml"
    extra.write_text(IMPLEMENTATION_SPECIFIC)
    code = run(
        ["route", "http://plain.example.com/cart/1", "-A", "-f", FIXTURE, "-f", str(extra),
         "-H", "X-Tenant: a", "--no-probe", "-o", "json"]
    )  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    (m,) = doc["migration"]
    assert (m["sameBackend"], m["annotations"]) == (True, [])  # use-regex "false": off
    assert m["differences"] == [
        "the Ingress path /cart is ImplementationSpecific (ingress-nginx: a prefix, not "
        "element-wise), the HTTPRoute's PathPrefix /cart is not",
        "the HTTPRoute match also requires method GET",
        "the HTTPRoute match also requires header x-tenant (Exact)",
    ]


def test_the_table_has_a_migration_section_with_the_differences_as_notes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    run(["route", "http://shop.example.com/about", "-A", "-f", FIXTURE, "--no-probe"])
    out = capsys.readouterr().out
    section = out.split("\nMIGRATION\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section[0].split() == ["INGRESS", "BACKEND", "HTTPROUTE", "BACKENDS", "SAME"]
    assert section[1].split() == [
        "!", "Ingress", "shop/storefront", "web:http", "HTTPRoute", "shop/store", "rule", "3",
        "match", "0", "web-v2:80", "(weight", "1)", "no", "[2]",
    ]  # fmt: skip
    assert section[2].strip() == (
        "[2] the Ingress sends the URL to shop/web:http (80), the HTTPRoute to shop/web-v2:80"
    )
