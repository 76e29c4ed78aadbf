"""The in-pod program, run for real (subprocess) against real servers on loopback.

A small authoritative DNS server (dnspython messages over real UDP and TCP
sockets), a plain HTTP server and a TLS server with SNI-selected certificates
(made with ``cryptography``) run on 127.0.0.1 for the duration of the test.
The program reads a resolv.conf the test writes; the DNS port is passed with
the test-only ``--dns-port`` because resolv.conf cannot carry a port.

getaddrinfo is NOT exercised here: libc reads /etc/resolv.conf and would ask the
host's resolver, which a unit test must not do (``--no-libc``); the e2e suite
covers it inside the cluster's network namespace.
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubectl_discover.probe import program
from kubectl_discover.probe.observations import ProbeResult
from kubectl_discover.probe.payload import BOOTSTRAP, build_payload, frame
from kubectl_discover.probe.plan import ConnectCheck, DnsCheck, ProbePlan

PROGRAM = Path(program.__file__)
ZONE = "cluster.local"
SEARCH = ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"]


# ---------------------------------------------------------------- DNS server


class Zone:
    """Records by (lowercased absolute name, type); names under ``ZONE`` not listed are NXDOMAIN."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.slow: set[str] = set()
        self.queries: list[tuple[str, str]] = []

    def add(self, name: str, rtype: str, *values: str) -> None:
        self.records.setdefault((name.lower(), rtype), []).extend(values)

    def exists(self, name: str) -> bool:
        return any(n == name for n, _ in self.records)

    def answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text().lower()
        rtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rtype))
        if name in self.slow:
            time.sleep(5)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        owner = name
        for _ in range(8):
            cname = self.records.get((owner, "CNAME"))
            if cname and rtype != "CNAME":
                response.answer.append(dns.rrset.from_text(owner, 30, "IN", "CNAME", *cname))
                owner = cname[0].lower()
                continue
            break
        values = self.records.get((owner, rtype))
        if values:
            response.answer.append(dns.rrset.from_text(owner, 30, "IN", rtype, *values))
        elif not response.answer:
            if not self.exists(owner):
                response.set_rcode(dns.rcode.NXDOMAIN)
            soa = f"ns.dns.{ZONE}. hostmaster.{ZONE}. 1 7200 1800 86400 5"
            response.authority.append(dns.rrset.from_text(ZONE + ".", 5, "IN", "SOA", soa))
        return response.to_wire()


class DnsServer:
    """UDP and TCP on the same loopback port, one thread each (threads per TCP client)."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.port = self.udp.getsockname()[1]
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(16)
        self.running = True
        for target in (self._serve_udp, self._serve_tcp):
            threading.Thread(target=target, daemon=True).start()

    def _serve_udp(self) -> None:
        while self.running:
            try:
                data, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            threading.Thread(target=self._udp_reply, args=(data, peer), daemon=True).start()

    def _udp_reply(self, data: bytes, peer: Any) -> None:
        reply = self.zone.answer(data)
        if len(reply) > 512:  # classic UDP limit: truncate, the client retries over TCP
            message = dns.message.from_wire(reply)
            message.answer = []
            message.flags |= dns.flags.TC
            reply = message.to_wire()
        with contextlib.suppress(OSError):  # the test may have closed the server already
            self.udp.sendto(reply, peer)

    def _serve_tcp(self) -> None:
        while self.running:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._tcp_reply, args=(conn,), daemon=True).start()

    def _tcp_reply(self, conn: socket.socket) -> None:
        with conn:
            size = int.from_bytes(conn.recv(2), "big")
            data = b""
            while len(data) < size:
                data += conn.recv(size - len(data))
            reply = self.zone.answer(data)
            conn.sendall(len(reply).to_bytes(2, "big") + reply)

    def close(self) -> None:
        self.running = False
        self.udp.close()
        self.tcp.close()


# ---------------------------------------------------------------- HTTP(S) servers


class Handler(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        Handler.seen.append((self.headers.get("Host", ""), self.path))
        status = 200 if self.path in ("/", "/api") else 404
        body = b"ok" if status == 200 else b"default backend - 404"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def make_cert(tmp: Path, name: str, common_name: str, sans: list[str]) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Servers:
    def __init__(self, tmp: Path) -> None:
        self.zone = Zone()
        self.dns = DnsServer(self.zone)
        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        fake = make_cert(
            tmp, "fake", "Kubernetes Ingress Controller Fake Certificate", ["ingress.local"]
        )
        real = make_cert(tmp, "shop", "shop.example.com", ["shop.example.com", "www.example.com"])
        default = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        default.load_cert_chain(*fake)
        shop = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        shop.load_cert_chain(*real)

        def choose(sock: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
            if server_name == "shop.example.com":
                sock.context = shop

        default.sni_callback = choose
        self.tls.socket = default.wrap_socket(self.tls.socket, server_side=True)
        # a closed port: bind, note it, close, so a connect is refused
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        self.closed_port = closed.getsockname()[1]
        closed.close()
        for server in (self.http, self.tls):
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.dns.close()
        for server in (self.http, self.tls):
            server.shutdown()
            server.server_close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    s = Servers(tmp_path)
    Handler.seen = []
    z = s.zone
    z.add("web.shop.svc.cluster.local.", "A", "10.96.0.12")
    z.add("db.data.svc.cluster.local.", "A", "10.96.3.4")
    z.add("web-0.web-headless.shop.svc.cluster.local.", "A", "10.244.1.5")
    z.add("web-headless.shop.svc.cluster.local.", "A", "10.244.1.5", "10.244.1.6")
    z.add(
        "_http._tcp.web-headless.shop.svc.cluster.local.",
        "SRV",
        "0 50 8080 web-0.web-headless.shop.svc.cluster.local.",
        "0 50 8080 web-1.web-headless.shop.svc.cluster.local.",
    )
    z.add("api.shop.svc.cluster.local.", "CNAME", "api.example.net.")
    z.add("api.example.net.", "A", "192.0.2.10")
    z.add("broken.shop.svc.cluster.local.", "CNAME", "gone.example.net.")
    z.add("big.shop.svc.cluster.local.", "A", *(f"10.244.9.{i}" for i in range(1, 60)))
    z.slow.add("slow.shop.svc.cluster.local.")
    yield s
    s.close()


def write_resolv(tmp: Path, *, ndots: int = 5, search: list[str] = SEARCH) -> Path:
    path = tmp / "resolv.conf"
    path.write_text(
        "# written by the test\nnameserver 127.0.0.1\n"
        f"search {' '.join(search)}\noptions ndots:{ndots} timeout:1\n"
    )
    return path


def run_program(
    tmp: Path,
    servers: Servers,
    plan: ProbePlan,
    *,
    python: str = sys.executable,
    client: str = "auto",
    timeout: float = 30,
) -> dict[str, Any]:
    plan_path = tmp / "plan.json"
    plan_path.write_text(json.dumps(plan.to_json()))
    resolv = write_resolv(tmp)
    cmd = [python, str(PROGRAM), "--plan", str(plan_path), "--resolv-conf", str(resolv)]
    cmd += ["--dns-port", str(servers.dns.port), "--dns-client", client, "--no-libc"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stderr
    document: dict[str, Any] = json.loads(proc.stdout)
    return document


def by_key(section: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["key"]: item for item in section}


def dns_plan(*checks: DnsCheck, budget: float = 20.0, timeout: float = 2.0) -> ProbePlan:
    return ProbePlan(dns=checks, connects=(), budget_seconds=budget, check_timeout=timeout)


def addr(key: str, name: str) -> DnsCheck:
    return DnsCheck(key=key, name=name, qtypes=("A", "AAAA"), libc=True)


# ---------------------------------------------------------------- DNS behaviour


@pytest.mark.parametrize("client", ["dnspython", "stdlib"])
def test_short_name_walks_the_search_path_until_the_first_positive_answer(
    tmp_path: Path, servers: Servers, client: str
) -> None:
    doc = run_program(tmp_path, servers, dns_plan(addr("k", "web")), client=client)
    obs = ProbeResult.from_json(doc).dns_for("k")
    assert obs is not None
    assert obs.answered_by == "web.shop.svc.cluster.local."
    assert [s.name for s in obs.steps] == ["web.shop.svc.cluster.local."] * 2
    assert obs.values("A") == ("10.96.0.12",)
    aaaa = next(s for s in obs.steps if s.qtype == "AAAA")
    assert aaaa.outcome == "NODATA"
    assert aaaa.negative_ttl == 5


@pytest.mark.parametrize("client", ["dnspython", "stdlib"])
def test_other_namespace_short_form_costs_a_negative_step_first(
    tmp_path: Path, servers: Servers, client: str
) -> None:
    doc = run_program(tmp_path, servers, dns_plan(addr("k", "db.data")), client=client)
    obs = ProbeResult.from_json(doc).dns_for("k")
    assert obs is not None
    names = list(dict.fromkeys(s.name for s in obs.steps))
    assert names == ["db.data.shop.svc.cluster.local.", "db.data.svc.cluster.local."]
    assert [s.rcode for s in obs.steps[:2]] == ["NXDOMAIN", "NXDOMAIN"]
    assert obs.queries == 4 and obs.negative_queries == 3


def test_unknown_name_tries_every_candidate_and_the_name_itself(
    tmp_path: Path, servers: Servers
) -> None:
    doc = run_program(tmp_path, servers, dns_plan(addr("k", "nope")))
    obs = ProbeResult.from_json(doc).dns_for("k")
    assert obs is not None
    assert obs.answered_by is None
    assert obs.candidates == (*(f"nope.{s}." for s in SEARCH), "nope.")
    assert {s.rcode for s in obs.steps} == {"NXDOMAIN"}
    assert obs.queries == 8
    assert [q for q in servers.zone.queries if q[0].startswith("nope")][-1] == ("nope.", "AAAA")


def test_trailing_dot_asks_only_the_absolute_name(tmp_path: Path, servers: Servers) -> None:
    doc = run_program(tmp_path, servers, dns_plan(addr("k", "web.shop.svc.cluster.local.")))
    obs = ProbeResult.from_json(doc).dns_for("k")
    assert obs is not None
    assert obs.candidates == ("web.shop.svc.cluster.local.",)
    assert obs.queries == 2


@pytest.mark.parametrize("client", ["dnspython", "stdlib"])
def test_srv_records_and_headless_answers(tmp_path: Path, servers: Servers, client: str) -> None:
    plan = dns_plan(
        DnsCheck(key="srv", name="_http._tcp.web-headless", qtypes=("SRV",)),
        addr("pod", "web-0.web-headless"),
        addr("headless", "web-headless"),
    )
    result = ProbeResult.from_json(run_program(tmp_path, servers, plan, client=client))
    srv, pod, headless = (result.dns_for(k) for k in ("srv", "pod", "headless"))
    assert srv and pod and headless
    assert sorted(srv.values("SRV")) == [
        "0 50 8080 web-0.web-headless.shop.svc.cluster.local.",
        "0 50 8080 web-1.web-headless.shop.svc.cluster.local.",
    ]
    assert pod.values("A") == ("10.244.1.5",)
    assert sorted(headless.values("A")) == ["10.244.1.5", "10.244.1.6"]


@pytest.mark.parametrize("client", ["dnspython", "stdlib"])
def test_cname_chain_is_followed_and_a_dangling_target_is_shown(
    tmp_path: Path, servers: Servers, client: str
) -> None:
    plan = dns_plan(
        DnsCheck(key="cname", name="api", qtypes=("CNAME",)),
        addr("broken", "broken.shop.svc.cluster.local."),
    )
    result = ProbeResult.from_json(run_program(tmp_path, servers, plan, client=client))
    cname, broken = result.dns_for("cname"), result.dns_for("broken")
    assert cname and broken
    assert cname.values("CNAME") == ("api.example.net.",)
    assert cname.values("A") == ("192.0.2.10",)
    assert broken.answered_by is None
    assert [(s.name, s.rcode) for s in broken.chain] == [("gone.example.net.", "NXDOMAIN")] * 2


@pytest.mark.parametrize("client", ["dnspython", "stdlib"])
def test_truncated_udp_answer_is_retried_over_tcp(
    tmp_path: Path, servers: Servers, client: str
) -> None:
    result = ProbeResult.from_json(
        run_program(tmp_path, servers, dns_plan(addr("k", "big")), client=client)
    )
    obs = result.dns_for("k")
    assert obs is not None
    assert len(obs.values("A")) == 59


def test_a_slow_check_times_out_alone_and_the_budget_bounds_the_run(
    tmp_path: Path, servers: Servers
) -> None:
    plan = dns_plan(addr("slow", "slow"), addr("fast", "web"), budget=6.0, timeout=1.0)
    started = time.monotonic()
    result = ProbeResult.from_json(run_program(tmp_path, servers, plan))
    assert time.monotonic() - started < 6.0 + 3.0
    slow, fast = result.dns_for("slow"), result.dns_for("fast")
    assert slow and fast
    assert slow.steps[0].error == "timeout"
    assert len(slow.steps) == 2  # a timeout ends the walk, as glibc's TRY_AGAIN does
    assert fast.answered_by == "web.shop.svc.cluster.local."


def test_budget_exhausted_marks_unfinished_checks(tmp_path: Path, servers: Servers) -> None:
    plan = dns_plan(addr("slow", "slow"), budget=0.5, timeout=3.0)
    doc = run_program(tmp_path, servers, plan)
    assert doc["budget_exhausted"] is True
    obs = ProbeResult.from_json(doc).dns_for("slow")
    assert obs is not None and obs.incomplete and obs.error == "budget exhausted"


def test_resolver_section_reports_the_pod_resolv_conf(tmp_path: Path, servers: Servers) -> None:
    result = ProbeResult.from_json(run_program(tmp_path, servers, dns_plan()))
    assert result.resolver.nameservers == ("127.0.0.1",)
    assert result.resolver.search == tuple(SEARCH)
    assert result.resolver.ndots == 5
    assert result.resolver.cluster_domain == "cluster.local"
    assert result.resolver.namespace == "shop"


# ---------------------------------------------------------------- connections


def test_tcp_http_and_refused(tmp_path: Path, servers: Servers) -> None:
    port = servers.http.server_address[1]
    plan = ProbePlan(
        dns=(),
        connects=(
            ConnectCheck(key="tcp", host="127.0.0.1", port=int(port), scheme="tcp"),
            ConnectCheck(
                key="get",
                host="127.0.0.1",
                port=int(port),
                scheme="http",
                path="/nothing",
                host_header="shop.example.com",
            ),
            ConnectCheck(key="refused", host="127.0.0.1", port=servers.closed_port, scheme="tcp"),
        ),
    )
    result = ProbeResult.from_json(run_program(tmp_path, servers, plan))
    tcp, get, refused = (result.connect_for(k) for k in ("tcp", "get", "refused"))
    assert tcp and get and refused
    assert tcp.connected and tcp.error is None
    assert get.http is not None and get.http.status == 404
    assert get.http.body_snippet == "default backend - 404"
    assert ("shop.example.com", "/nothing") in Handler.seen
    assert not refused.connected and refused.error == "connection refused"


def test_tls_certificate_is_chosen_by_sni_and_decoded(tmp_path: Path, servers: Servers) -> None:
    port = int(servers.tls.server_address[1])

    def check(key: str, sni: str) -> ConnectCheck:
        return ConnectCheck(
            key=key,
            host="127.0.0.1",
            port=port,
            scheme="https",
            path="/api",
            host_header="shop.example.com",
            sni=sni,
        )

    plan = ProbePlan(dns=(), connects=(check("sni", "shop.example.com"), check("nosni", "")))
    result = ProbeResult.from_json(run_program(tmp_path, servers, plan))
    sni, nosni = result.connect_for("sni"), result.connect_for("nosni")
    assert sni and nosni and sni.tls and nosni.tls and sni.tls.cert and nosni.tls.cert
    assert sni.tls.cert.covers("shop.example.com") and not sni.tls.cert.fake
    assert sni.tls.cert.sans == ("shop.example.com", "www.example.com")
    assert sni.http is not None and sni.http.status == 200
    assert nosni.tls.cert.fake
    assert not nosni.tls.cert.covers("shop.example.com")
    assert "Fake Certificate" in nosni.tls.cert.subject


def test_plain_http_to_a_tls_port_is_an_http_error_not_a_crash(
    tmp_path: Path, servers: Servers
) -> None:
    port = int(servers.tls.server_address[1])
    plan = ProbePlan(
        dns=(), connects=(ConnectCheck(key="k", host="127.0.0.1", port=port, scheme="http"),)
    )
    obs = ProbeResult.from_json(run_program(tmp_path, servers, plan)).connect_for("k")
    assert obs is not None and obs.connected
    assert obs.http is None or obs.http.status in (None, 400)


# ---------------------------------------------------------------- other Pythons and the payload


def _python(version: str) -> str | None:
    found = shutil.which(f"python{version}")
    pyenv = Path.home() / ".pyenv" / "versions"
    candidates = sorted(pyenv.glob(f"{version}.*/bin/python{version}")) if pyenv.is_dir() else []
    for path in [*(str(c) for c in candidates), found]:
        if (
            path
            and subprocess.run([path, "-c", "pass"], capture_output=True, check=False).returncode
            == 0
        ):
            return path
    return None


@pytest.mark.parametrize("version", ["3.8", "3.9"])
def test_program_runs_on_old_pythons_with_the_stdlib_client(
    tmp_path: Path, servers: Servers, version: str
) -> None:
    python = _python(version)
    if python is None:
        pytest.skip(f"python{version} is not installed here; cannot check old-Python compatibility")
    doc = run_program(tmp_path, servers, dns_plan(addr("k", "db.data")), python=python)
    result = ProbeResult.from_json(doc)
    assert result.python.startswith(version)
    assert result.dns_library == "stdlib"  # the shipped dnspython needs a newer Python
    obs = result.dns_for("k")
    assert obs is not None and obs.answered_by == "db.data.svc.cluster.local."


def test_payload_through_the_bootstrap_runs_from_the_zip(tmp_path: Path, servers: Servers) -> None:
    """The exact bytes and command the exec sends, with the zip's own dnspython."""
    plan = dns_plan(addr("k", "web"))
    payload = build_payload(plan)
    with zipfile.ZipFile(__import__("io").BytesIO(payload)) as zipped:
        names = zipped.namelist()
    assert "__main__.py" in names and "plan.json" in names and "dns/resolver.py" in names
    assert not any("__pycache__" in n or "/tests/" in n for n in names)
    resolv = write_resolv(tmp_path)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "KUBECTL_DISCOVER_PROBE_ARGS": json.dumps(
            ["--resolv-conf", str(resolv), "--dns-port", str(servers.dns.port), "--no-libc"]
        ),
        "TMPDIR": str(tmp_path),
        "PYTHONNOUSERSITE": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-I", "-c", BOOTSTRAP],
        input=frame(payload),
        capture_output=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    result = ProbeResult.from_json(json.loads(proc.stdout))
    assert result.dns_library.startswith("dnspython")
    obs = result.dns_for("k")
    assert obs is not None and obs.values("A") == ("10.96.0.12",)


def test_resolv_conf_parsing_matches_glibc_rules() -> None:
    parsed = program.parse_resolv_conf(
        "nameserver 10.96.0.10\nnameserver 10.96.0.11 # second\n"
        "domain old.example\nsearch a.svc.cluster.local svc.cluster.local\n"
        "options ndots:2 timeout:1 edns0\n"
    )
    assert parsed["nameservers"] == ["10.96.0.10", "10.96.0.11"]
    assert parsed["search"] == ["a.svc.cluster.local", "svc.cluster.local"]
    assert parsed["ndots"] == 2 and "edns0" in parsed["options"]
    assert program.search_candidates("x.y", ["s1", "s2"], 1) == ["x.y.", "x.y.s1.", "x.y.s2."]
    assert program.search_candidates("x", ["s1", "."], 1) == ["x.s1.", "x."]
    assert ipaddress.ip_address("10.96.0.10")


def test_search_path_as_another_namespace_swaps_only_the_namespace_entry() -> None:
    from kubectl_discover.probe.program import search_as_namespace

    pod = ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"]
    assert search_as_namespace(pod, "other") == [
        "other.svc.cluster.local",
        "svc.cluster.local",
        "cluster.local",
        "corp.example",
    ]
    assert search_as_namespace(["corp.example"], "other") == ["corp.example"]
