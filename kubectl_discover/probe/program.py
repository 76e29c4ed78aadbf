"""The in-pod probe program: run a probe plan, print one JSON document.

Runs as a plain script (``python3 program.py --plan plan.json``) or from the
payload zip. It needs the standard library only; dnspython is used when it
imports (the payload ships the plugin's own copy), and a small built-in DNS
client takes over when it does not (dnspython >= 2.7 needs Python >= 3.9/3.10,
while the pod's image may be older). Both produce the same JSON.

This file must stay compatible with Python 3.8: no ``X | Y`` at runtime, no
``match``, no 3.9+ library calls. It never imports kubectl_discover: it is
shipped alone. It only observes; judging is done by kubectl_discover.explain.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import contextlib
import datetime
import json
import os
import random
import socket
import ssl
import struct
import sys
import time
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

PROGRAM_VERSION = 1
DEFAULT_RESOLV_CONF = "/etc/resolv.conf"
MAX_CNAME_CHAIN = 8
MAX_HEAD_BYTES = 65536
BODY_SNIPPET = 160

if TYPE_CHECKING:  # annotations only: this file must import on Python 3.8
    Json = dict[str, Any]

# ------------------------------------------------------------------ resolv.conf


def parse_resolv_conf(text: str) -> Json:
    """nameservers, search and options as glibc reads them (last search/domain wins)."""
    nameservers: list[str] = []
    search: list[str] = []
    options: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        word, rest = parts[0], parts[1:]
        if word == "nameserver" and rest:
            nameservers.append(rest[0])
        elif word in ("search", "domain"):
            search = list(rest) if word == "search" else rest[:1]
        elif word == "options":
            for option in rest:
                name, _, value = option.partition(":")
                options[name] = value
    ndots = 1
    if "ndots" in options:
        try:
            ndots = max(0, min(15, int(options["ndots"])))
        except ValueError:
            ndots = 1
    return {"nameservers": nameservers, "search": search, "ndots": ndots, "options": options}


def read_resolv_conf(path: str) -> Json:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as exc:
        info = parse_resolv_conf("")
        info.update({"path": path, "error": f"{type(exc).__name__}: {exc}"})
        return info
    info = parse_resolv_conf(text)
    info.update({"path": path, "error": None})
    return info


def search_candidates(name: str, search: list[str], ndots: int) -> list[str]:
    """The absolute names a glibc resolver tries for ``name``, in order.

    A trailing dot means only the name itself. Otherwise a name with at least
    ``ndots`` dots is tried as-is first; a shorter one goes through the search
    list first and is tried as-is last.
    """
    if name.endswith("."):
        return [name]
    as_is = name + "."
    searched: list[str] = []
    for suffix in search:
        suffix = suffix.strip(".")
        candidate = (name + "." + suffix + ".") if suffix else as_is
        if candidate not in searched:
            searched.append(candidate)
    ordered = [as_is, *searched] if name.count(".") >= ndots else [*searched, as_is]
    result: list[str] = []
    for candidate in ordered:
        if candidate not in result:
            result.append(candidate)
    return result


# ------------------------------------------------------------------ DNS clients

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "TXT": 16, "AAAA": 28, "SRV": 33}
QTYPE_NAMES = {v: k for k, v in QTYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class StdlibDns:
    """A minimal stub resolver: one question, UDP with TCP fallback on truncation."""

    name = "stdlib"

    def query(self, name: str, qtype: str, server: str, port: int, timeout: float) -> Json:
        ident = random.randint(0, 0xFFFF)
        packet = self._question(ident, name, QTYPES[qtype])
        family = socket.AF_INET6 if ":" in server else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.settimeout(timeout)
            sock.sendto(packet, (server, port))
            deadline = time.monotonic() + timeout
            while True:
                sock.settimeout(max(0.001, deadline - time.monotonic()))
                data, _ = sock.recvfrom(65535)
                if len(data) >= 2 and struct.unpack("!H", data[:2])[0] == ident:
                    break
        if len(data) >= 4 and data[2] & 0x02:  # TC: the answer did not fit, ask over TCP
            data = self._tcp(packet, server, port, timeout, family)
        return self._parse(data)

    @staticmethod
    def _question(ident: int, name: str, qtype: int) -> bytes:
        header = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0)
        labels = b"".join(
            bytes([len(label)]) + label.encode("idna" if not label.isascii() else "ascii")
            for label in name.rstrip(".").split(".")
            if label
        )
        return header + labels + b"\x00" + struct.pack("!HH", qtype, 1)

    @staticmethod
    def _tcp(packet: bytes, server: str, port: int, timeout: float, family: int) -> bytes:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect((server, port))
            sock.sendall(struct.pack("!H", len(packet)) + packet)
            size = struct.unpack("!H", _recv_exact(sock, 2))[0]
            return _recv_exact(sock, size)

    def _parse(self, data: bytes) -> Json:
        _, flags, qd, an, ns, _ar = struct.unpack("!HHHHHH", data[:12])
        offset = 12
        for _ in range(qd):
            _, offset = _read_name(data, offset)
            offset += 4
        answers: list[Json] = []
        negative_ttl = None
        for index in range(an + ns):
            owner, offset = _read_name(data, offset)
            rtype, _rclass, ttl, size = struct.unpack("!HHIH", data[offset : offset + 10])
            offset += 10
            rdata_at = offset
            offset += size
            if index < an:
                text = _rdata_text(data, rdata_at, size, rtype)
                answers.append(
                    {
                        "name": owner,
                        "type": QTYPE_NAMES.get(rtype, str(rtype)),
                        "ttl": ttl,
                        "data": text,
                    }
                )
            elif rtype == QTYPES["SOA"]:
                _, at = _read_name(data, rdata_at)
                _, at = _read_name(data, at)
                minimum = struct.unpack("!IIIII", data[at : at + 20])[4]
                negative_ttl = min(ttl, minimum)
        return {
            "rcode": RCODES.get(flags & 0x000F, str(flags & 0x000F)),
            "authoritative": bool(flags & 0x0400),
            "answers": answers,
            "negative_ttl": negative_ttl,
        }


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = b""
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise OSError("connection closed by the DNS server")
        chunks += chunk
    return chunks


def _read_name(data: bytes, offset: int) -> tuple[str, int]:
    """A possibly compressed domain name at ``offset``; returns (name with dot, next offset)."""
    labels: list[str] = []
    jumped_end = -1
    for _ in range(128):  # bounded: a pointer loop must not hang the probe
        length = data[offset]
        if length & 0xC0 == 0xC0:
            if jumped_end < 0:
                jumped_end = offset + 2
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            continue
        offset += 1
        if length == 0:
            break
        labels.append(data[offset : offset + length].decode("ascii", "replace"))
        offset += length
    return ".".join(labels) + ".", (jumped_end if jumped_end >= 0 else offset)


def _rdata_text(data: bytes, at: int, size: int, rtype: int) -> str:
    if rtype == 1 and size == 4:
        return socket.inet_ntop(socket.AF_INET, data[at : at + 4])
    if rtype == 28 and size == 16:
        return socket.inet_ntop(socket.AF_INET6, data[at : at + 16])
    if rtype in (2, 5, 12):
        return _read_name(data, at)[0]
    if rtype == 33:
        priority, weight, port = struct.unpack("!HHH", data[at : at + 6])
        return f"{priority} {weight} {port} {_read_name(data, at + 6)[0]}"
    if rtype == 16:
        return data[at + 1 : at + size].decode("utf-8", "replace")
    return data[at : at + size].hex()


class DnspythonDns:
    """The same questions through dnspython (shipped in the payload)."""

    def __init__(self) -> None:
        import dns.message
        import dns.query
        import dns.rcode
        import dns.rdatatype
        import dns.version

        self.name = "dnspython " + dns.version.version
        self._message = dns.message
        self._query = dns.query
        self._rcode = dns.rcode
        self._rdatatype = dns.rdatatype

    def query(self, name: str, qtype: str, server: str, port: int, timeout: float) -> Json:
        question = self._message.make_query(name, qtype)
        response, _tcp = self._query.udp_with_fallback(question, server, timeout=timeout, port=port)
        answers: list[Json] = []
        for rrset in response.answer:
            for rdata in rrset:
                answers.append(
                    {
                        "name": rrset.name.to_text(),
                        "type": self._rdatatype.to_text(rrset.rdtype),
                        "ttl": rrset.ttl,
                        "data": rdata.to_text(),
                    }
                )
        negative_ttl = None
        for rrset in response.authority:
            if rrset.rdtype == self._rdatatype.SOA:
                for rdata in rrset:
                    negative_ttl = min(rrset.ttl, rdata.minimum)
        return {
            "rcode": self._rcode.to_text(response.rcode()),
            "authoritative": bool(response.flags & 0x0400),
            "answers": answers,
            "negative_ttl": negative_ttl,
        }


def make_dns_client(choice: str) -> Any:
    if choice == "stdlib":
        return StdlibDns()
    try:
        return DnspythonDns()
    except Exception:  # any import failure (too old a Python, broken copy): fall back
        if choice == "dnspython":
            raise
        return StdlibDns()


# ------------------------------------------------------------------ DNS checks


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 2)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout) or type(exc).__name__ in ("Timeout", "TimeoutError"):
        return "timeout"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def ask(client: Any, name: str, qtype: str, server: str, port: int, timeout: float) -> Json:
    """One question to one server, timed; never raises."""
    step: Json = {"name": name, "qtype": qtype, "server": server}
    start = time.perf_counter()
    try:
        step.update(client.query(name, qtype, server, port, timeout))
        step["error"] = None
    except Exception as exc:
        step.update({"rcode": None, "answers": [], "negative_ttl": None, "error": _error_text(exc)})
    step["time_ms"] = _ms(start)
    step["positive"] = is_positive(step)
    return step


def is_positive(step: Json) -> bool:
    """An answer of the asked type (a CNAME alone does not end a search walk)."""
    if step.get("rcode") != "NOERROR":
        return False
    return any(a.get("type") == step.get("qtype") for a in step.get("answers", ()))


def run_dns(
    check: Json, resolver: Json, client: Any, port: int, timeout: float, libc: bool
) -> Json:
    """Walk the search path like glibc, then chase CNAMEs, then ask libc itself."""
    name = str(check["name"])
    qtypes = [str(q) for q in check.get("qtypes", ["A", "AAAA"])]
    result: Json = {"key": check["key"], "name": name, "qtypes": qtypes}
    servers = resolver.get("nameservers") or []
    search = list(resolver.get("search") or [])
    as_namespace = str(check.get("as_namespace") or "")
    if as_namespace:
        search = search_as_namespace(search, as_namespace)
        result["as_namespace"] = as_namespace
        result["search"] = search
    own_search = search == list(resolver.get("search") or [])
    result["candidates"] = search_candidates(name, search, resolver.get("ndots", 1))
    steps: list[Json] = []
    answered_by = None
    if not servers:
        result["error"] = "no nameserver in {}".format(resolver.get("path"))
    else:
        server = servers[0]
        for candidate in result["candidates"]:
            round_ = [ask(client, candidate, qtype, server, port, timeout) for qtype in qtypes]
            steps.extend(round_)
            if any(s["positive"] for s in round_):
                answered_by = candidate
                break
            if any(s["error"] for s in round_):
                break  # glibc gives up on a timeout (TRY_AGAIN) instead of searching on
        result["error"] = None
    result["steps"] = steps
    result["answered_by"] = answered_by
    result["queries"] = len(steps)
    result["chain"] = chase_cnames(steps, qtypes, check, servers, client, port, timeout)
    # getaddrinfo can only walk the pod's own search path.
    result["libc"] = getaddrinfo(name) if libc and check.get("libc") and own_search else None
    return result


def search_as_namespace(search: list[str], namespace: str) -> list[str]:
    """The search list of a pod in ``namespace``: kubelet's first entry is
    ``<pod namespace>.svc.<zone>``; swap its namespace, keep the rest."""
    for i, domain in enumerate(search):
        labels = domain.split(".")
        if len(labels) >= 3 and labels[1] == "svc":
            return [*search[:i], ".".join([namespace, *labels[1:]]), *search[i + 1 :]]
    return search


def chase_cnames(
    steps: list[Json],
    qtypes: list[str],
    check: Json,
    servers: list[str],
    client: Any,
    port: int,
    timeout: float,
) -> list[Json]:
    """Resolve CNAME targets the answers left dangling, to show where a chain breaks."""
    if not check.get("follow_cname", True) or not servers:
        return []
    chain: list[Json] = []
    seen: set[str] = set()
    pending = [a["data"] for s in steps for a in s.get("answers", ()) if a.get("type") == "CNAME"]
    wanted = [q for q in qtypes if q != "CNAME"] or ["A", "AAAA"]
    while pending and len(seen) < MAX_CNAME_CHAIN:
        target = pending.pop(0)
        if target in seen or _owners_answered(steps + chain, target, wanted):
            continue
        seen.add(target)
        for qtype in wanted:
            step = ask(client, target, qtype, servers[0], port, timeout)
            chain.append(step)
            pending.extend(a["data"] for a in step["answers"] if a.get("type") == "CNAME")
    return chain


def _owners_answered(steps: list[Json], owner: str, qtypes: list[str]) -> bool:
    lowered = owner.lower()
    return any(
        a.get("name", "").lower() == lowered and a.get("type") in qtypes
        for s in steps
        for a in s.get("answers", ())
    )


def getaddrinfo(name: str) -> Json:
    """What the C library answers: the resolver most applications really use."""
    start = time.perf_counter()
    try:
        infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return {
            "addresses": [],
            "error": str(exc.strerror or exc),
            "errno": exc.errno,
            "time_ms": _ms(start),
        }
    except Exception as exc:
        return {"addresses": [], "error": _error_text(exc), "errno": None, "time_ms": _ms(start)}
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return {"addresses": addresses, "error": None, "errno": None, "time_ms": _ms(start)}


# ------------------------------------------------------------------ the DNS path


def _parse_reply(data: bytes) -> Json:
    return StdlibDns()._parse(data)


def _rrset(reply: Json, qtype: str) -> list[str]:
    return sorted(str(a["data"]) for a in reply.get("answers", ()) if a.get("type") == qtype)


def ask_pair(name: str, server: str, port: int, timeout: float) -> Json:
    """A and AAAA over ONE UDP socket, sent back to back, as glibc's getaddrinfo does.

    A question still unanswered after half of ``timeout`` is sent again on the same
    socket (glibc waits ``options timeout``, 5 s by default, before that resend): an
    answer that only comes after the resend is the pattern of the conntrack race that
    drops one of two packets sharing a source port."""
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    wanted: dict[int, str] = {}
    packets: dict[int, bytes] = {}
    for qtype in ("A", "AAAA"):
        ident = random.randint(0, 0xFFFF)
        while ident in wanted:
            ident = random.randint(0, 0xFFFF)
        wanted[ident] = qtype
        packets[ident] = StdlibDns._question(ident, name, QTYPES[qtype])
    result: Json = {"name": name, "server": server, "error": None}
    got: dict[str, Json] = {}
    start = time.perf_counter()
    resent = False
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            for ident in wanted:
                sock.sendto(packets[ident], (server, port))
            first_wait = time.monotonic() + timeout / 2.0
            deadline = time.monotonic() + timeout
            while len(got) < len(wanted):
                now = time.monotonic()
                if not resent and now >= first_wait:
                    resent = True
                    for ident, qtype in wanted.items():
                        if qtype not in got:
                            sock.sendto(packets[ident], (server, port))
                until = deadline if resent else first_wait
                if now >= deadline:
                    break
                sock.settimeout(max(0.001, until - now))
                try:
                    data, _ = sock.recvfrom(65535)
                except socket.timeout:  # not TimeoutError before Python 3.10
                    continue
                if len(data) < 12:
                    continue
                ident = struct.unpack("!H", data[:2])[0]
                answered = wanted.get(ident)
                if answered is None or answered in got:
                    continue
                reply = _parse_reply(data)
                got[answered] = {
                    "rcode": reply["rcode"],
                    "data": _rrset(reply, answered),
                    "time_ms": _ms(start),
                    "after_resend": resent,
                }
    except Exception as exc:
        result["error"] = _error_text(exc)
    result["answers"] = got
    result["lost"] = [q for q in ("A", "AAAA") if q not in got]
    result["resent"] = resent
    result["time_ms"] = _ms(start)
    return result


def ask_tcp(name: str, qtype: str, server: str, port: int, timeout: float) -> Json:
    """One question over TCP (what a client falls back to for a truncated answer)."""
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    ident = random.randint(0, 0xFFFF)
    start = time.perf_counter()
    step: Json = {"name": name, "qtype": qtype, "server": server}
    try:
        data = StdlibDns._tcp(
            StdlibDns._question(ident, name, QTYPES[qtype]), server, port, timeout, family
        )
        reply = _parse_reply(data)
        step.update({"rcode": reply["rcode"], "data": _rrset(reply, qtype), "error": None})
    except Exception as exc:
        step.update({"rcode": None, "data": [], "error": _connect_error(exc)})
    step["time_ms"] = _ms(start)
    return step


def path_hops(path: Json, resolver: Json) -> list[Json]:
    """The plan's hops plus the pod's own nameservers (a nameserver that is already a hop
    is marked ``resolver``; one on a node-local address is the node-local hop)."""
    hops = [dict(h, resolver=False) for h in path.get("hops", [])]
    node_local = set(path.get("node_local") or [])
    for server in resolver.get("nameservers") or []:
        same = [h for h in hops if h.get("address") == server]
        if same:
            for hop in same:
                hop["resolver"] = True
            continue
        role = "node-local" if server in node_local else "resolver"
        hops.insert(
            0,
            {
                "key": f"dnspath:{role}:{server}",
                "role": role,
                "address": server,
                "pod": "",
                "node": "",
                "ready": None,
                "resolver": True,
            },
        )
    return hops


def run_dns_path(path: Json, resolver: Json, port: int, timeout: float, deadline: float) -> Json:
    """Ask every hop every name: a UDP pair and a TCP question first (all at once), then
    ``repeat - 1`` more UDP pairs per hop that answered, as long as the budget lasts."""
    hops = path_hops(path, resolver)
    names = [str(n) for n in path.get("names", [])]
    repeat = max(1, min(200, int(path.get("repeat") or 1)))
    results: list[Json] = []
    for hop in hops:
        entry = dict(hop)
        entry.update({"udp": [], "tcp": [], "repeat": []})
        results.append(entry)
    if not names or not hops:
        return {"hops": results, "names": names, "repeat": repeat}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=32)
    first: list[tuple[Json, str, Any]] = []
    for entry in results:
        for name in names:
            first.append(
                (entry, "udp", pool.submit(ask_pair, name, entry["address"], port, timeout))
            )
            first.append(
                (entry, "tcp", pool.submit(ask_tcp, name, "A", entry["address"], port, timeout))
            )
    _collect(first, deadline)
    more: list[tuple[Json, str, Any]] = []
    for entry in results:
        answered = any(not u.get("lost") or len(u["lost"]) < 2 for u in entry["udp"])
        # The ClusterIP is balanced over the replicas: one lost pair says little about it.
        if repeat > 1 and (answered or entry.get("role") == "service"):
            for name in names:
                for _ in range(repeat - 1):
                    if time.monotonic() + timeout >= deadline:
                        break
                    future = pool.submit(ask_pair, name, entry["address"], port, timeout)
                    more.append((entry, "repeat", future))
    _collect(more, deadline)
    pool.shutdown(wait=False)
    return {"hops": results, "names": names, "repeat": repeat}


def _collect(jobs: list[tuple[Json, str, Any]], deadline: float) -> None:
    concurrent.futures.wait([f for _, _, f in jobs], timeout=max(0.0, deadline - time.monotonic()))
    for entry, section, future in jobs:
        if future.done() and future.exception() is None:
            entry[section].append(future.result())
        else:
            entry.setdefault("unfinished", 0)
            entry["unfinished"] += 1


# ------------------------------------------------------------------ connections


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def run_connect(check: Json, timeout: float) -> Json:
    """TCP connect, then optionally TLS (no verification, certificate kept) and one GET."""
    host, port, scheme = str(check["host"]), int(check["port"]), str(check.get("scheme", "tcp"))
    result: Json = {"key": check["key"], "host": host, "port": port, "scheme": scheme}
    result.update({"connect_ms": None, "error": None, "tls": None, "http": None, "peer": None})
    start = time.perf_counter()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except Exception as exc:
        result["error"] = _connect_error(exc)
        result["error_stage"] = "connect"
        result["elapsed_ms"] = _ms(start)
        return result
    result["connect_ms"] = _ms(start)
    try:
        result["peer"] = str(sock.getpeername()[0])
        if scheme == "https":
            sock, result["tls"] = _handshake(sock, str(check.get("sni") or ""))
        if scheme in ("http", "https"):
            result["http"] = _get(sock, check, host)
    except Exception as exc:
        result["error"] = _connect_error(exc)
        result["error_stage"] = "tls" if scheme == "https" and result["tls"] is None else "http"
    finally:
        sock.close()
    result["elapsed_ms"] = _ms(start)
    return result


def _connect_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, socket.gaierror):
        return "name resolution failed: %s" % (exc.strerror or exc)
    if isinstance(exc, ssl.SSLError):
        return "TLS error: %s" % (exc.reason or exc)
    return _error_text(exc)


def _handshake(sock: socket.socket, sni: str) -> tuple[Any, Json]:
    """Handshake without verifying, so the certificate is seen even when it is wrong."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with contextlib.suppress(NotImplementedError):
        context.set_alpn_protocols(["http/1.1"])
    start = time.perf_counter()
    tls_sock = context.wrap_socket(sock, server_hostname=sni or None)
    der = tls_sock.getpeercert(binary_form=True)
    cipher = tls_sock.cipher()
    info: Json = {
        "sni": sni or None,
        "version": tls_sock.version(),
        "cipher": cipher[0] if cipher else None,
        "handshake_ms": _ms(start),
        "cert_der_b64": base64.b64encode(der).decode("ascii") if der else None,
    }
    return tls_sock, info


def _read_more(sock: Any, body: bytes, length: str | None) -> bytes:
    """A little more of an error body: controllers say "default backend - 404" there."""
    wanted = min(BODY_SNIPPET, int(length)) if length and length.isdigit() else BODY_SNIPPET
    try:
        while len(body) < wanted:
            chunk = sock.recv(wanted - len(body))
            if not chunk:
                break
            body += chunk
    except (OSError, ValueError):
        pass
    return body


def _get(sock: Any, check: Json, host: str) -> Json:
    header = str(check.get("host_header") or _bracket(host))
    path = str(check.get("path") or "/")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {header}\r\nUser-Agent: kubectl-discover-probe\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    )
    start = time.perf_counter()
    sock.sendall(request.encode("ascii", "replace"))
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_HEAD_BYTES:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    status_line = lines[0] if lines else ""
    parts = status_line.split(" ", 2)
    status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() in ("server", "location", "content-type", "content-length"):
            headers[key.strip().lower()] = value.strip()
    snippet = None
    if status is not None and status >= 400:
        body = _read_more(sock, body, headers.get("content-length"))
        printable = "".join(
            c if c.isprintable() else " " for c in body[:BODY_SNIPPET].decode("utf-8", "replace")
        )
        snippet = " ".join(printable.split())
    return {
        "host_header": header,
        "path": path,
        "status": status,
        "status_line": status_line,
        "headers": headers,
        "body_snippet": snippet,
        "time_ms": _ms(start),
    }


# ------------------------------------------------------------------ main


def load_plan(path: str | None) -> Json:
    """The plan from ``path``, or from ``plan.json`` inside the zip this file runs from."""
    if path == "-":
        return dict(json.load(sys.stdin))
    if path:
        with open(path, encoding="utf-8") as handle:
            return dict(json.load(handle))
    archive = os.path.dirname(os.path.abspath(__file__))
    with zipfile.ZipFile(archive) as zipped:
        return dict(json.loads(zipped.read("plan.json").decode("utf-8")))


def run(plan: Json, resolver: Json, client: Any, port: int, libc: bool) -> Json:
    """Every check concurrently, each with its own timeout, all within the budget."""
    budget = float(plan.get("budget_seconds", 20.0))
    timeout = float(plan.get("check_timeout", 3.0))
    started = time.perf_counter()
    deadline = time.monotonic() + budget
    jobs: list[tuple[str, Json, Callable[[], Json]]] = []
    for check in plan.get("dns", []):
        jobs.append(("dns", check, _bind(run_dns, check, resolver, client, port, timeout, libc)))
    for check in plan.get("connects", []):
        jobs.append(("connects", check, _bind(run_connect, check, timeout)))
    results: dict[str, list[Json]] = {"dns": [], "connects": []}
    path = plan.get("dns_path")
    path_future = None
    exhausted = False
    path_pool = None
    if path:
        path_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        # leave a second of the budget to print the document
        path_future = path_pool.submit(
            run_dns_path, path, resolver, port, timeout, deadline - min(1.0, budget / 4)
        )
    if jobs:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(32, len(jobs)))
        futures = [(section, check, pool.submit(job)) for section, check, job in jobs]
        concurrent.futures.wait(
            [f for _, _, f in futures], timeout=max(0.0, deadline - time.monotonic())
        )
        for section, check, future in futures:
            if future.done() and future.exception() is None:
                results[section].append(future.result())
                continue
            exhausted = exhausted or not future.done()
            error = "budget exhausted" if not future.done() else _error_text(future.exception())  # type: ignore[arg-type]
            results[section].append({"key": check["key"], "error": error, "incomplete": True})
        pool.shutdown(wait=False)
    dns_path = None
    if path_future is not None and path_pool is not None:
        try:
            dns_path = path_future.result(timeout=max(0.0, deadline - time.monotonic()))
        except Exception as exc:  # budget exhausted or a bug: say so, never lose the rest
            dns_path = {"error": _error_text(exc), "hops": []}
            exhausted = exhausted or not path_future.done()
        path_pool.shutdown(wait=False)
    if dns_path is not None and path:
        dns_path["skipped"] = path.get("skipped") or ""
    return {
        "version": PROGRAM_VERSION,
        "program": "kubectl-discover-probe",
        "python": ".".join(str(n) for n in sys.version_info[:3]),
        "dns_library": client.name,
        "hostname": socket.gethostname(),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "duration_ms": _ms(started),
        "budget_seconds": budget,
        "budget_exhausted": exhausted,
        "resolver": resolver,
        "dns": results["dns"],
        "connects": results["connects"],
        "skipped": plan.get("skipped", []),
        "dns_path": dns_path,
    }


def _bind(func: Callable[..., Json], *args: Any) -> Callable[[], Json]:
    return lambda: func(*args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubectl-discover-probe")
    parser.add_argument(
        "--plan", help="plan JSON file, '-' for stdin (default: plan.json in the zip)"
    )
    parser.add_argument("--resolv-conf", default=DEFAULT_RESOLV_CONF, help=argparse.SUPPRESS)
    parser.add_argument("--dns-port", type=int, default=53, help=argparse.SUPPRESS)
    parser.add_argument("--dns-client", choices=("auto", "dnspython", "stdlib"), default="auto")
    parser.add_argument("--no-libc", action="store_true", help="do not call getaddrinfo")
    args = parser.parse_args(argv)
    plan = load_plan(args.plan)
    resolver = read_resolv_conf(args.resolv_conf)
    if args.resolv_conf != DEFAULT_RESOLV_CONF:
        resolver["libc_note"] = f"getaddrinfo reads {DEFAULT_RESOLV_CONF}, not this file"
    document = run(
        plan, resolver, make_dns_client(args.dns_client), args.dns_port, not args.no_libc
    )
    sys.stdout.write(json.dumps(document, sort_keys=True))
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    os._exit(code)  # do not wait for checks still blocked after the budget ran out
