"""The in-pod probe program, run locally against a loopback DNS server with one slow name.

The program is started as the pod would start it once it is Running (``python3 program.py
--plan FILE``, here with ``--resolv-conf``/``--dns-port`` pointing at loopback). Its plan has
many quick DNS checks (short names walking the search path, as clients write them), TCP
connects to a loopback listener, and one name whose answer the server delays by ``slow``
seconds. Checks run concurrently, so the whole program should take about as long as that one
check: the budget is ``slowest check + 0.5 s``, from process start to exit.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SEARCH = ("shop.svc.cluster.local", "svc.cluster.local", "cluster.local")
SLOW_NAME = "slow.shop.svc.cluster.local."


class LoopbackDns:
    """A UDP authoritative server for ``cluster.local`` on 127.0.0.1: A records for every
    ``svc-N.shop.svc.cluster.local`` and ``slow...`` (the latter after ``delay`` seconds),
    NODATA for other types, NXDOMAIN for everything else. One thread per query."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.queries = 0
        self._closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._closed:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            self.queries += 1
            threading.Thread(target=self._reply, args=(data, peer), daemon=True).start()

    def _reply(self, data: bytes, peer: Any) -> None:
        ident, _flags, qdcount = struct.unpack("!HHH", data[:6])
        labels, at = [], 12
        while data[at]:
            size = data[at]
            labels.append(data[at + 1 : at + 1 + size].decode().lower())
            at += 1 + size
        qtype = struct.unpack("!H", data[at + 1 : at + 3])[0]
        question = data[12 : at + 5]
        name = ".".join(labels) + "."
        exists = name == SLOW_NAME or (
            name.endswith(".shop.svc.cluster.local.") and name.startswith("svc-")
        )
        if name == SLOW_NAME:
            time.sleep(self.delay)
        answers = b""
        count = 0
        if exists and qtype == 1:
            answers = struct.pack("!HHHIH", 0xC00C, 1, 1, 30, 4) + socket.inet_aton("10.96.0.10")
            count = 1
        rcode = 0 if exists else 3
        header = struct.pack("!HHHHHH", ident, 0x8500 | rcode, qdcount, count, 0, 0)
        with contextlib.suppress(OSError):
            self.sock.sendto(header + question + answers, peer)

    def close(self) -> None:
        self._closed = True
        self.sock.close()


def _plan(fast: int, connects: int, port: int, timeout: float) -> dict[str, Any]:
    dns = [
        {
            "key": f"dns:addr:svc-{i}",
            "name": f"svc-{i}",
            "qtypes": ["A", "AAAA"],
            "libc": False,
            "follow_cname": True,
        }
        for i in range(fast)
    ]
    dns.append(
        {
            "key": "dns:addr:slow",
            "name": "slow",
            "qtypes": ["A", "AAAA"],
            "libc": False,
            "follow_cname": True,
        }
    )
    dns += [
        {
            "key": f"dns:addr:missing-{i}",
            "name": f"missing-{i}.other",
            "qtypes": ["A", "AAAA"],
            "libc": False,
            "follow_cname": True,
        }
        for i in range(5)
    ]
    conns = [
        {
            "key": f"tcp:{i}",
            "host": "127.0.0.1",
            "port": port,
            "scheme": "tcp",
            "path": "/",
            "host_header": "",
            "sni": "",
        }
        for i in range(connects)
    ]
    return {
        "version": 1,
        "budget_seconds": 20.0,
        "check_timeout": timeout,
        "dns": dns,
        "connects": conns,
        "skipped": [],
    }


def measure(
    program: Path, *, slow: float = 1.5, fast: int = 40, dns_client: str = "stdlib", runs: int = 3
) -> dict[str, Any]:
    """Run the program ``runs`` times; wall from start to exit vs. the slowest check."""
    server = LoopbackDns(slow)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    results: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            resolv = Path(tmp) / "resolv.conf"
            resolv.write_text(f"nameserver 127.0.0.1\nsearch {' '.join(SEARCH)}\noptions ndots:5\n")
            plan = Path(tmp) / "plan.json"
            plan.write_text(json.dumps(_plan(fast, 10, listener.getsockname()[1], slow + 1.5)))
            for _ in range(runs):
                command = [
                    sys.executable,
                    str(program),
                    "--plan",
                    str(plan),
                    "--resolv-conf",
                    str(resolv),
                    "--dns-port",
                    str(server.port),
                    "--dns-client",
                    dns_client,
                    "--no-libc",
                ]
                start = time.perf_counter()
                done = subprocess.run(command, capture_output=True, timeout=60, check=False)
                wall = time.perf_counter() - start
                document = json.loads(done.stdout)
                slowest = max(
                    sum(step.get("time_ms") or 0.0 for step in check.get("steps", ())) / 1000.0
                    for check in document["dns"]
                )
                errors = [
                    c["key"] for c in document["dns"] + document["connects"] if c.get("error")
                ]
                results.append(
                    {
                        "wall": wall,
                        "slowest": slowest,
                        "errors": errors,
                        "checks": len(document["dns"]) + len(document["connects"]),
                    }
                )
    finally:
        server.close()
        listener.close()
    best = sorted(results, key=lambda r: r["wall"])[len(results) // 2]
    return {
        "wall": best["wall"],
        "slowest": best["slowest"],
        "beyond": best["wall"] - best["slowest"],
        "checks": best["checks"],
        "errors": best["errors"],
        "runs": [r["wall"] for r in results],
        "queries": server.queries,
        "client": dns_client,
    }
