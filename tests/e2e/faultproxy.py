"""A small fault-injecting proxy in front of the test cluster's API server.

Run inside the cluster's network namespace (``cluster.background`` or ``cluster.exec_argv``):

    python faultproxy.py tcp  PORT [--delay SECONDS]
    python faultproxy.py http PORT --cert C --key K --ca CA --client-cert CC --client-key CK
                               [--status 429|500] [--first-only]

``tcp`` forwards bytes to the API server (127.0.0.1:443), so TLS and client certificates
pass through untouched (the server certificate covers 127.0.0.1). ``--delay`` holds every
chunk from the server for that long: a server too slow to answer. Killing the process drops
every connection at once: the API server "stops" mid-run.

``http`` terminates TLS with a certificate signed by the cluster CA, forwards each request
to the API server with its own client certificate, and answers ``--status`` instead: on
every request, or (``--first-only``) on the first request for each path, which is then
forwarded normally. It handles plain request/response only (no watch, no exec), enough for
``--no-probe`` runs. With ``--log FILE`` each injected reply appends a line to FILE.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.server
import json
import socket
import ssl
import sys
import threading
import time
from typing import Any

UPSTREAM = ("127.0.0.1", 443)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "content-length"}


def _pipe(src: socket.socket, dst: socket.socket, delay: float) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if delay:
                time.sleep(delay)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def serve_tcp(port: int, delay: float) -> None:
    listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
    while True:
        client, _ = listener.accept()
        try:
            upstream = socket.create_connection(UPSTREAM, timeout=5)
        except OSError:
            client.close()
            continue
        upstream.settimeout(None)
        threading.Thread(target=_pipe, args=(client, upstream, 0.0), daemon=True).start()
        threading.Thread(target=_pipe, args=(upstream, client, delay), daemon=True).start()


def serve_http(args: argparse.Namespace) -> None:
    upstream_tls = ssl.create_default_context(cafile=args.ca)
    upstream_tls.load_cert_chain(args.client_cert, args.client_key)
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *rest: Any) -> None:
            pass

        def _inject(self) -> bool:
            with lock:
                first = self.path not in seen
                seen.add(self.path)
                if args.first_only and not first:
                    return False
                if args.log:
                    with open(args.log, "a", encoding="utf-8") as log:
                        log.write(f"{args.status} {self.path}\n")
            body = json.dumps(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "message": f"injected by faultproxy: HTTP {args.status}",
                    "code": args.status,
                }
            ).encode()
            self.send_response(args.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if args.status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(body)
            return True

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self._inject():
                return
            conn = http.client.HTTPSConnection(*UPSTREAM, context=upstream_tls, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers.pop("Authorization", None)
            conn.request(self.command, self.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            self.send_response(reply.status)
            for key, value in reply.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(args.cert, args.key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["tcp", "http"])
    parser.add_argument("port", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--ca")
    parser.add_argument("--client-cert")
    parser.add_argument("--client-key")
    parser.add_argument("--status", type=int, default=500)
    parser.add_argument("--first-only", action="store_true")
    parser.add_argument("--log", help="append one line per injected reply to this file")
    args = parser.parse_args(argv)
    if args.mode == "tcp":
        serve_tcp(args.port, args.delay)
    else:
        serve_http(args)


if __name__ == "__main__":
    main(sys.argv[1:])
