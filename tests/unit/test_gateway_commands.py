"""The Gateway API wired into the commands, end to end through ``cli.run`` on the fixtures
in tests/fixtures/gateway: ``gateway``, ``httproute``/``hr``, ``grpcroute``/``gr``, the
Gateway routes under ``svc``, ``scan``, ``-o tree``, and a cluster without the CRDs."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from certs import leaf, tls_secret

from kubectl_discover import loading, pipeline
from kubectl_discover.analyze.index import build_index
from kubectl_discover.cli import run
from kubectl_discover.commands import GATEWAY_KINDS, HTTPROUTE, ROUTE
from kubectl_discover.probe.plan import SkippedCheck, connect_key, route_checks
from kubectl_discover.probing import RECORD_FORMAT
from kubectl_discover.snapshot import GATEWAY_NOT_SERVED, NOT_READ, Unavailable

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "gateway"
SHOP = str(FIXTURES / "shop.yaml")
BROKEN = str(FIXTURES / "broken.yaml")

WEB_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{name: http, containerPort: 8080}]
"""

NOW = datetime(2026, 11, 30, tzinfo=UTC)

NOT_INSTALLED = (
    "error: the Gateway API is not installed in this cluster: no gateway.networking.k8s.io "
    "resources\n"
)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = _run(capsys, *args, "--no-probe", "-o", "json")
    assert err == ""
    return code, json.loads(out)


def _shop_with_certificate(tmp_path: Path, *sans: str, days_left: int = 365) -> str:
    """shop.yaml with a real certificate in Secret infra/wildcard-tls (the fixture's is empty)."""
    now = datetime.now(UTC)
    pair = leaf(
        *sans, not_before=now - timedelta(days=30), not_after=now + timedelta(days=days_left)
    )
    data = tls_secret("wildcard-tls", "infra", pair)["data"]
    text = Path(SHOP).read_text()
    empty = 'data: {tls.crt: "", tls.key: ""}'
    assert empty in text
    path = tmp_path / "shop-cert.yaml"
    path.write_text(text.replace(empty, f"data: {json.dumps(data)}"))
    return str(path)


def test_gateway_is_explained_with_class_listeners_and_addresses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shop = _shop_with_certificate(tmp_path, "*.example.com")
    code, doc = _json(capsys, "gateway", "gw", "-n", "infra", "-f", shop)
    assert code == 0
    assert doc["subject"] == {"kind": "Gateway", "namespace": "infra", "name": "gw"}
    assert (doc["kind"], doc["verdict"], doc["findings"]) == ("Gateway", "ok", [])
    assert doc["facts"] == {
        "class": "example (accepted)",
        "listeners": "2",
        "addresses": "203.0.113.7",
    }
    assert [link["label"] for link in doc["chain"]] == [
        "Gateway infra/gw listener http (HTTP :80, any host)",
        "Gateway infra/gw listener https (HTTPS :443, *.example.com)",
    ]


def test_httproute_lists_each_backend_with_weight_and_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(capsys, "httproute", "store", "-n", "shop", "-f", SHOP)
    assert code == 0
    assert doc["facts"] == {"parent": "Gateway infra/gw: attached (Accepted)"}
    rows = [
        (r["kind"], r["source"], r["service"], r["servicePort"], r["weight"], r["verdict"])
        for r in doc["routes"]
    ]
    assert rows == [
        ("HTTPRoute", "HTTPRoute shop/store rule 0", "web", "80", 1, "ok"),
        ("HTTPRoute", "HTTPRoute shop/store rule 1", "api", "8080", 90, "ok"),
        ("HTTPRoute", "HTTPRoute shop/store rule 1", "api-v2", "8080", 10, "ok"),
        ("HTTPRoute", "HTTPRoute shop/store rule 2", "api-v2", "8080", 1, "ok"),
        ("HTTPRoute", "HTTPRoute shop/store rule 3", "web", "80", 1, "ok"),
    ]
    first = doc["routes"][0]
    assert first["gateway"] == "infra/gw listener http"
    assert first["serviceNamespace"] == "shop"
    assert first["host"] == "shop.example.com"
    assert first["ingress"] == ""
    assert [f["id"] for f in doc["findings"]] == ["gateway-route-attachment-unknown"]


@pytest.mark.parametrize(
    ("command", "name", "ids"),
    [
        ("httproute", "wrong-section", ["gateway-route-no-matching-parent"]),
        ("hr", "other-host", ["gateway-route-hostname-mismatch"]),
    ],
)
def test_a_route_attached_nowhere_fails(
    capsys: pytest.CaptureFixture[str], command: str, name: str, ids: list[str]
) -> None:
    code, doc = _json(capsys, command, name, "-n", "shop", "-f", SHOP, "-f", BROKEN)
    assert code == 1
    assert [f["id"] for f in doc["findings"]] == ids
    assert [(r["verdict"], r["why"]) for r in doc["routes"]] == [
        ("fail", f"HTTPRoute shop/{name} is attached to no listener")
    ]


def test_invalid_backends_each_get_a_failing_row(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "hr", "bad-backends", "-n", "shop", "-f", SHOP, "-f", BROKEN)
    assert code == 1
    assert [(r["source"], r["service"], r["verdict"]) for r in doc["routes"]] == [
        ("HTTPRoute shop/bad-backends rule 0", "nope", "fail"),
        ("HTTPRoute shop/bad-backends rule 1", "db", "fail"),
        ("HTTPRoute shop/bad-backends rule 3", "web", "fail"),
        ("HTTPRoute shop/bad-backends rule 5", "web", "warn"),
        ("HTTPRoute shop/bad-backends rule 6", "nope", "fail"),
        ("HTTPRoute shop/bad-backends rule 6", "web", "ok"),
    ]
    assert doc["routes"][3]["why"] == "weight 0: this backendRef receives no traffic"
    assert doc["routes"][1]["serviceNamespace"] == "data"


def test_svc_lists_the_httproute_rules_that_send_it_traffic(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(capsys, "svc", "api", "-n", "shop", "-f", SHOP)
    assert code == 1  # selector app=api matches no pod in the files
    assert [
        (r["kind"], r["source"], r["gateway"], r["weight"], r["verdict"], r["why"])
        for r in doc["routes"]
    ] == [
        (
            "HTTPRoute",
            "HTTPRoute shop/store rule 1",
            "infra/gw listener http",
            90,
            "ok",
            "attached; 90% of the rule's requests",
        )
    ]
    assert doc["skipped"] == []


def test_svc_table_names_the_section_routes_when_gateway_routes_appear(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "svc", "api", "-n", "shop", "-f", SHOP, "--no-probe")
    assert (code, err) == (1, "")
    assert "\nROUTES\n" in out and "INGRESS ROUTES" not in out
    assert "api:8080 (weight 90)" in out


def test_tree_runs_from_listener_to_the_pods(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deployment = tmp_path / "web.yaml"
    deployment.write_text(WEB_DEPLOYMENT)
    code, out, err = _run(
        capsys, "hr", "store", "-n", "shop", "-f", SHOP, "-f", str(deployment), "--no-probe",
        "-o", "tree",
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    start = lines.index(
        "            ├── ✔ HTTPRoute shop/store rule 0: PathPrefix /  (forwards to 1 backend(s))"
    )
    assert [line.strip() for line in lines[start + 1 : start + 5]] == [
        "│   └── ✔ backendRef Service shop/web:80 (weight 1, 100%)  (backendRef Service "
        "shop/web:80 resolves to Service port http (80/TCP))",
        "│       └── ? Service shop/web port http (80/TCP) -> targetPort 8080  (the backendRef's "
        "port is this Service port; readiness unknown)",
        "│           └── ? predicted slice (IPv4, port 8080)  (1 endpoint(s))",
        "│               └── ? pod web-<pod> <ip>:8080  (offline: ready once running)",
    ]


def test_scan_includes_gateways_and_routes(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "scan", "-A", "-f", SHOP, "-f", BROKEN)
    assert code == 1
    kinds = {(r["subjectKind"], r["namespace"], r["name"]) for r in doc["items"]}
    assert {
        ("Gateway", "infra", "gw"),
        ("Gateway", "infra", "edge"),
        ("Gateway", "infra", "orphan"),
        ("HTTPRoute", "shop", "store"),
        ("HTTPRoute", "shop", "bad-backends"),
    } <= kinds
    edge = next(r for r in doc["items"] if r["name"] == "edge")
    assert (edge["verdict"], edge["fail"], edge["warn"]) == ("fail", 4, 1)


def test_not_found_suggests_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "httproute", "stor", "-n", "shop", "-f", SHOP, "--no-probe")
    assert (code, out) == (2, "")
    assert err == 'error: HTTPRoute "stor" not found in namespace "shop"; did you mean store?\n'


def test_invalid_name_is_refused_before_reading(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "gr", "Bad_Name", "-f", "/nonexistent.yaml", "--no-probe")
    assert (code, out) == (2, "")
    assert err == "error: 'Bad_Name' is not a valid GRPCRoute name\n"


# --- a cluster without the Gateway API CRDs ------------------------------------------------


@pytest.fixture
def no_crds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load the files, then mark every Gateway API kind as a LIST that answered 404."""
    real = loading.load

    def load(request: loading.LoadRequest) -> loading.Loaded:
        loaded = real(request)
        gaps = tuple(
            Unavailable(r, "list", "", f"gateway.networking.k8s.io/v1 {GATEWAY_NOT_SERVED}")
            for r in sorted(GATEWAY_KINDS)
        )
        snapshot = dataclasses.replace(
            loaded.snapshot, unavailable=(*loaded.snapshot.unavailable, *gaps)
        )
        return dataclasses.replace(loaded, snapshot=snapshot, index=build_index(snapshot))

    monkeypatch.setattr(loading, "load", load)


@pytest.mark.usefixtures("no_crds")
@pytest.mark.parametrize(
    ("command", "name"), [("gateway", "gw"), ("httproute", "store"), ("gr", "any")]
)
def test_without_crds_named_gateway_commands_exit_2_in_one_line(
    capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    code, out, err = _run(capsys, command, name, "-n", "shop", "-f", SHOP, "--no-probe")
    assert (code, out, err) == (2, "", NOT_INSTALLED)


@pytest.mark.usefixtures("no_crds")
def test_without_crds_svc_notes_it_and_warns_of_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(capsys, "svc", "web", "-n", "shop", "-f", SHOP)
    assert code == 1
    assert doc["skipped"] == [
        "the Gateway API is not installed in this cluster: no gateway.networking.k8s.io "
        "resources (HTTPRoutes, GRPCRoutes and Gateways not read)"
    ]
    assert "access-skipped" not in {f["id"] for f in doc["findings"]}


@pytest.mark.parametrize(
    ("sans", "days_left", "ids", "code"),
    [
        (("*.example.com",), 365, [], 0),
        (("shop.example.org",), 365, ["ingress-tls-host-not-covered"], 1),
        (("*.example.com",), 10, ["ingress-tls-expiring"], 0),
    ],
)
def test_gateway_listener_certificates_get_the_ingress_tls_checks(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    sans: tuple[str, ...],
    days_left: int,
    ids: list[str],
    code: int,
) -> None:
    shop = _shop_with_certificate(tmp_path, *sans, days_left=days_left)
    got, doc = _json(capsys, "gateway", "gw", "-n", "infra", "-f", shop)
    assert got == code
    assert [f["id"] for f in doc["findings"]] == ids
    for finding in doc["findings"]:
        assert finding["subject"] == "Gateway infra/gw"


def test_an_empty_certificate_in_the_fixture_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "gateway", "gw", "-n", "infra", "-f", SHOP)
    assert code == 1
    assert [f["id"] for f in doc["findings"]] == ["ingress-tls-cert-invalid"]
    assert doc["findings"][0]["message"].startswith(
        "tls.crt of Secret infra/wildcard-tls cannot be parsed"
    )


# --- route URL across Ingresses and Gateways -----------------------------------------------

INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: legacy, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
"""


def _routes(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (r["kind"], r["source"], r["service"], r["weight"], r["verdict"]) for r in doc["routes"]
    ]


def test_route_url_is_answered_by_the_httproute_rule_that_wins(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(capsys, "route", "http://shop.example.com/api/cart", "-n", "shop", "-f", SHOP)
    assert code == 0
    assert _routes(doc) == [
        ("HTTPRoute", "HTTPRoute shop/store rule 1 match 0", "api", 90, "ok"),
        ("HTTPRoute", "HTTPRoute shop/store rule 1 match 0", "api-v2", 10, "ok"),
    ]
    assert doc["routes"][0]["gateway"] == "infra/gw listener http"
    assert doc["facts"]["gateway"] == "infra/gw: forwarded by HTTPRoute shop/store rule 1 match 0"
    assert "route-no-host-match" not in {f["id"] for f in doc["findings"]}


def test_route_header_picks_the_canary_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(
        capsys, "route", "http://shop.example.com/api/cart", "-H", "X-Canary: true", "-n", "shop",
        "-f", SHOP,
    )  # fmt: skip
    assert code == 0
    assert _routes(doc) == [("HTTPRoute", "HTTPRoute shop/store rule 2 match 0", "api-v2", 1, "ok")]


def test_route_host_header_overrides_the_url_host(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(
        capsys, "route", "http://10.0.0.1/healthz", "-H", "Host: shop.example.com", "-n", "shop",
        "-f", SHOP,
    )  # fmt: skip
    assert code == 0
    assert doc["subject"]["name"] == "http://10.0.0.1/healthz"
    assert _routes(doc) == [("HTTPRoute", "HTTPRoute shop/store rule 3 match 0", "web", 1, "ok")]


def test_route_no_rule_matching_is_a_404_without_backend(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = _json(capsys, "route", "http://nothing.example.org/", "-A", "-f", SHOP)
    assert code == 1
    (row,) = doc["routes"]
    assert (row["source"], row["service"], row["verdict"]) == ("Gateway infra/gw", "", "fail")
    assert row["why"].startswith("404: no rule of the 1 HTTPRoute(s) attached to Gateway infra/gw")


def test_route_lists_the_ingress_and_the_httproute_claiming_one_host(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ingress = tmp_path / "ingress.yaml"
    ingress.write_text(INGRESS)
    args = ("route", "http://shop.example.com/api/x", "-n", "shop", "-f", SHOP, "-f", str(ingress))
    code, doc = _json(capsys, *args)
    assert code == 0  # warn: the Ingress side has no endpoints offline
    assert doc["verdict"] == "warn"
    assert [r[:3] for r in _routes(doc)] == [
        ("Ingress", "Ingress shop/legacy", "api"),
        ("HTTPRoute", "HTTPRoute shop/store rule 1 match 0", "api"),
        ("HTTPRoute", "HTTPRoute shop/store rule 1 match 0", "api-v2"),
    ]
    code, doc = _json(capsys, *args, "--gateway", "infra/gw")
    assert [r[0] for r in _routes(doc)] == ["HTTPRoute", "HTTPRoute"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--method", "FETCH"), "error: --method must be one of GET, HEAD, POST, PUT, DELETE, "
         "CONNECT, OPTIONS, TRACE, PATCH, not 'FETCH'\n"),
        (("--gateway", "infra"), "error: --gateway must be NAMESPACE/NAME, not 'infra'\n"),
        (("-H", "bad"), "error: invalid header 'bad': write it as 'Name: value'\n"),
    ],
)  # fmt: skip
def test_route_request_flags_are_validated_before_any_read(
    capsys: pytest.CaptureFixture[str], flags: tuple[str, ...], message: str
) -> None:
    code, out, err = _run(capsys, "route", "http://a.example/", *flags, "-f", "/nonexistent.yaml")
    assert (code, out, err) == (2, "", message)


def test_route_to_a_gateway_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys, "route", "http://shop.example.com/", "--gateway", "infra/gww", "-f", SHOP,
        "--no-probe",
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert err == 'error: Gateway "gww" not found in namespace "infra"; did you mean gw?\n'


@pytest.mark.usefixtures("no_crds")
def test_without_crds_route_notes_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = _json(capsys, "route", "http://shop.example.com/", "-n", "shop", "-f", SHOP)
    assert code == 1  # no Ingress, and the Gateways are not asked
    assert [r["kind"] for r in doc["routes"]] == []
    assert doc["skipped"] == [
        "the Gateway API is not installed in this cluster: no gateway.networking.k8s.io "
        "resources (HTTPRoutes, GRPCRoutes and Gateways not read)"
    ]


def test_an_older_release_without_listenersets_is_not_called_uninstalled(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loading.load

    def load(request: loading.LoadRequest) -> loading.Loaded:
        loaded = real(request)
        gap = Unavailable(
            "listenersets", "list", "", f"gateway.networking.k8s.io/v1 {GATEWAY_NOT_SERVED}"
        )
        snapshot = dataclasses.replace(loaded.snapshot, unavailable=(gap,), listenersets=())
        return dataclasses.replace(loaded, snapshot=snapshot, index=build_index(snapshot))

    monkeypatch.setattr(loading, "load", load)
    code, doc = _json(capsys, "httproute", "store", "-n", "shop", "-f", SHOP)
    assert code == 0
    assert doc["skipped"] == [
        "cannot list listenersets cluster-wide: gateway.networking.k8s.io/v1 not served "
        "(Gateway API CRDs not installed)"
    ]
    assert "access-skipped" not in {f["id"] for f in doc["findings"]}


# --- probing a Gateway's status addresses (route URL) -------------------------------------


def _record(tmp_path: Path, status: int) -> str:
    recorded = json.loads(
        (ROOT / "tests" / "fixtures" / "probe" / "recorded-shop.json").read_text()
    )
    key = connect_key("http", "203.0.113.7", 80, path="/api/cart", header="shop.example.com")
    recorded["dns"] = []
    recorded["connects"] = [
        {
            "key": key,
            "host": "203.0.113.7",
            "peer": "203.0.113.7",
            "port": 80,
            "scheme": "http",
            "connect_ms": 1.0,
            "elapsed_ms": 3.0,
            "error": None,
            "tls": None,
            "http": {
                "status": status,
                "status_line": f"HTTP/1.1 {status} X",
                "headers": {},
                "host_header": "shop.example.com",
                "path": "/api/cart",
                "body_snippet": None,
                "time_ms": 1.0,
            },
        }
    ]
    path = tmp_path / "probe.json"
    path.write_text(
        json.dumps(
            {
                "format": RECORD_FORMAT,
                "probe": {"pod": "kubectl-discover-probe-x1y2z", "namespace": "shop"},
                "result": recorded,
            }
        )
    )
    return str(path)


def test_route_url_plans_a_request_to_the_gateway_address() -> None:
    loaded = loading.load(
        loading.LoadRequest(ROUTE, loading.Source(filenames=(SHOP,)), namespace="shop")
    )
    diagnosis = pipeline.diagnose_subject(
        pipeline.Subject(ROUTE, "http://shop.example.com/api/cart"), loaded, now=NOW
    )
    checks = [c for r in diagnosis.routes for c in route_checks(r)]
    assert {(c.scheme, c.host, c.port, c.path, c.host_header, c.sni) for c in checks} == {
        ("http", "203.0.113.7", 80, "/api/cart", "shop.example.com", "")
    }


@pytest.mark.parametrize(("status", "verdict"), [(200, "ok"), (404, "fail")])
def test_route_url_replayed_probe_judges_the_gateway_answer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, status: int, verdict: str
) -> None:
    code, out, err = _run(
        capsys, "route", "http://shop.example.com/api/cart", "-n", "shop", "-f", SHOP,
        "--replay", _record(tmp_path, status), "-o", "json",
    )  # fmt: skip
    assert err == ""
    doc = json.loads(out)
    assert [(r["weight"], r["verdict"]) for r in doc["routes"]] == [(90, verdict), (10, verdict)]
    assert {r["observed"] for r in doc["routes"]} == {f"connected in 1 ms; HTTP/1.1 {status} X"}
    assert code == (0 if verdict == "ok" else 1)
    why = doc["routes"][0]["why"]
    if status == 200:
        assert why.startswith("HTTP 200, as predicted: 90%: backendRef Service shop/api:8080")
    else:
        assert why.startswith("404 from the controller: no rule matched Host shop.example.com")


def _without_gateways(monkeypatch: pytest.MonkeyPatch, gap: Unavailable) -> None:
    """Load the files, then take the Gateways out as a live svc would see them (not read,
    or refused): the Routes' own status.parents must say where they are attached."""
    real = loading.load

    def load(request: loading.LoadRequest) -> loading.Loaded:
        loaded = real(request)
        snapshot = dataclasses.replace(loaded.snapshot, unavailable=(gap,), gateways=())
        return dataclasses.replace(loaded, snapshot=snapshot, index=build_index(snapshot))

    monkeypatch.setattr(loading, "load", load)


def test_gateways_refused_svc_reads_attachment_from_the_route_status(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_gateways(monkeypatch, Unavailable("gateways", "list", "", "forbidden"))
    code, doc = _json(capsys, "svc", "web", "-n", "shop", "-f", SHOP)
    assert code == 1  # the selector matches no pod in the files
    assert doc["skipped"] == ["cannot list gateways cluster-wide: forbidden"]
    assert "access-skipped" in {f["id"] for f in doc["findings"]}
    assert {(r["verdict"], r["gateway"], r["why"]) for r in doc["routes"]} == {
        (
            "ok",
            "infra/gw listener https, infra/gw listener http",
            "accepted by example.net/gateway-controller for infra/gw listener https, infra/gw "
            "listener http (Route status.parents; Gateway not read by svc: see `kubectl "
            f"discover httproute store -n shop`); {share}% of the rule's requests",
        )
        for share in (100,)
    }


_STATUS_CASES = {
    "rejected": (
        [{"type": "Accepted", "status": "False", "reason": "NotAllowedByListeners"}],
        "fail",
        "example.net/gateway-controller reports Accepted=False (NotAllowedByListeners) for "
        "infra/gw listener https (Gateway not read by svc: see `kubectl discover httproute "
        "store -n shop`)",
    ),
    "pending": (
        [{"type": "Accepted", "status": "Unknown", "reason": "Pending"}],
        "warn",
        "not accepted yet (example.net/gateway-controller: Accepted=Unknown (Pending) for "
        "infra/gw listener https) (Gateway not read by svc: see `kubectl discover httproute "
        "store -n shop`)",
    ),
    "refs": (
        [
            {"type": "Accepted", "status": "True", "reason": "Accepted"},
            {"type": "ResolvedRefs", "status": "False", "reason": "BackendNotFound"},
        ],
        "warn",
        "accepted by example.net/gateway-controller for infra/gw listener https (Route "
        "status.parents; Gateway not read by svc: see `kubectl discover httproute store -n "
        "shop`); but ResolvedRefs=False (BackendNotFound)",
    ),
    "stale": (
        [{"type": "Accepted", "status": "True", "reason": "Accepted", "observedGeneration": 1}],
        "warn",
        "accepted by example.net/gateway-controller for infra/gw listener https (Route "
        "status.parents; Gateway not read by svc: see `kubectl discover httproute store -n "
        "shop`); the status was written for generation 1, the Route is at generation 2 "
        "(stale)",
    ),
    "none": (
        None,
        "warn",
        "no controller has written status.parents: attachment unknown (Gateway not read by "
        "svc: see `kubectl discover httproute store -n shop`)",
    ),
}


@pytest.mark.parametrize("case", sorted(_STATUS_CASES))
def test_svc_without_gateways_judges_each_route_status(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: str,
) -> None:
    conditions, verdict, why = _STATUS_CASES[case]
    docs = [d for d in yaml.safe_load_all(Path(SHOP).read_text()) if d]
    route = next(d for d in docs if d["kind"] == "HTTPRoute" and d["metadata"]["name"] == "store")
    if conditions is None:
        del route["status"]
    else:
        entry = route["status"]["parents"][0]
        route["status"]["parents"] = [{**entry, "conditions": conditions}]
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    _without_gateways(monkeypatch, Unavailable("gateways", "list", "", NOT_READ))
    _, doc = _json(capsys, "svc", "web", "-n", "shop", "-f", str(path))
    assert {(r["verdict"], r["why"]) for r in doc["routes"]} == {(verdict, why)}


@pytest.mark.parametrize(
    ("namespace_doc", "code", "ids"),
    [
        ("", 0, ["gateway-route-attachment-unknown"]),
        # attached to https: its certificate (empty in the fixture) is now checked
        (
            'metadata: {name: shop, labels: {gateway-access: "true"}}',
            1,
            ["ingress-tls-cert-invalid"],
        ),
        ("metadata: {name: shop}", 1, ["gateway-route-not-allowed"]),
    ],
)
def test_from_selector_reads_the_labels_of_the_namespace_documents(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    namespace_doc: str,
    code: int,
    ids: list[str],
) -> None:
    """shop.yaml's https listener admits Routes from namespaces labelled
    gateway-access=true; store attaches to it (sectionName https) and to http (from: All).
    Without a Namespace document the labels are unknown, never "not allowed"."""
    files = ["-f", SHOP]
    if namespace_doc:
        path = tmp_path / "namespace.yaml"
        path.write_text(f"apiVersion: v1\nkind: Namespace\n{namespace_doc}\n")
        files += ["-f", str(path)]
    exit_code, doc = _json(capsys, "httproute", "store", "-n", "shop", *files)
    assert (exit_code, [f["id"] for f in doc["findings"]]) == (code, ids)
    if ids == ["gateway-route-not-allowed"]:
        assert doc["findings"][0]["message"].endswith(
            "namespace shop does not match from: Selector (gateway-access=true) "
            "(NotAllowedByListeners)."
        )


# --- TLS and probe targets under httproute and route URL ----------------------------------

SHOP_LABELLED = (
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {gateway-access: "true"}}\n'
)


def _labelled(tmp_path: Path) -> str:
    """A Namespace document giving shop the label the https listener selects on."""
    path = tmp_path / "shop-namespace.yaml"
    path.write_text(SHOP_LABELLED)
    return str(path)


@pytest.mark.parametrize(
    ("sans", "tls", "ids"),
    [
        (("*.example.com",), "ok", []),
        (("other.example.org",), "SAN mismatch", ["ingress-tls-host-not-covered"]),
    ],
)
def test_httproute_checks_the_certificate_of_the_listener_serving_its_hostname(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    sans: tuple[str, ...],
    tls: str,
    ids: list[str],
) -> None:
    shop = _shop_with_certificate(tmp_path, *sans)
    _, doc = _json(
        capsys, "httproute", "store", "-n", "shop", "-f", shop, "-f", _labelled(tmp_path)
    )
    assert [f["id"] for f in doc["findings"]] == ids
    if ids:
        assert doc["findings"][0]["subject"] == "Gateway infra/gw"
        assert "shop.example.com" in doc["findings"][0]["message"]
    assert {r["tls"] for r in doc["routes"]} == {tls}


def test_route_https_checks_the_certificate_for_the_request_host(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shop = _shop_with_certificate(tmp_path, "www.example.com")
    args = ("route", "https://shop.example.com/api/cart", "-n", "shop", "-f", shop)
    _, doc = _json(capsys, *args, "-f", _labelled(tmp_path))
    assert {r["tls"] for r in doc["routes"]} == {"SAN mismatch"}
    mismatch = [f for f in doc["findings"] if f["id"] == "ingress-tls-host-not-covered"]
    assert [f["subject"] for f in mismatch] == ["Gateway infra/gw"]
    # plain http: no certificate to check
    _, doc = _json(capsys, "route", "http://shop.example.com/api/cart", "-n", "shop", "-f", shop)
    assert {r["tls"] for r in doc["routes"]} == {"none"}
    assert not [f for f in doc["findings"] if f["id"].startswith("ingress-tls-")]


def test_httproute_rows_plan_requests_to_the_gateway_address(tmp_path: Path) -> None:
    """Each row is aimed at the Gateway's status.addresses through the first listener the
    Route attaches to (sectionName https: port 443, Host and SNI shop.example.com), at the
    path of its rule's first match."""
    shop = _shop_with_certificate(tmp_path, "*.example.com")
    source = loading.Source(filenames=(shop, _labelled(tmp_path)))
    loaded = loading.load(loading.LoadRequest(HTTPROUTE, source, namespace="shop"))
    diagnosis = pipeline.diagnose_subject(pipeline.Subject(HTTPROUTE, "store"), loaded, now=NOW)
    checks = {
        (c.scheme, c.host, c.port, c.path, c.host_header, c.sni)
        for r in diagnosis.routes
        for c in route_checks(r)
    }
    assert checks == {
        ("https", "203.0.113.7", 443, path, "shop.example.com", sni)
        for path in ("/", "/api", "/healthz")
        for sni in ("shop.example.com", "")
    }


def test_httproute_rows_without_a_gateway_address_keep_the_certificate_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No status.addresses (no controller yet): nothing to probe, said so, but the row's
    tls still carries what the certificate checks found."""
    shop = Path(_shop_with_certificate(tmp_path, "www.example.com"))
    text = shop.read_text()
    addresses = "  addresses:\n    - {type: IPAddress, value: 203.0.113.7}\n"
    assert addresses in text
    shop.write_text(text.replace(addresses, ""))
    _, doc = _json(
        capsys, "httproute", "store", "-n", "shop", "-f", str(shop), "-f", _labelled(tmp_path)
    )
    assert {(r["tls"], tuple(r["addresses"])) for r in doc["routes"]} == {("SAN mismatch", ())}
    source = loading.Source(filenames=(str(shop), _labelled(tmp_path)))
    loaded = loading.load(loading.LoadRequest(HTTPROUTE, source, namespace="shop"))
    diagnosis = pipeline.diagnose_subject(pipeline.Subject(HTTPROUTE, "store"), loaded, now=NOW)
    checks = [c for r in diagnosis.routes for c in route_checks(r)]
    assert {type(c) for c in checks} == {SkippedCheck}
    reasons = {c.reason for c in checks if isinstance(c, SkippedCheck)}
    assert reasons == {"the HTTPRoute has no status address to send the request to"}
