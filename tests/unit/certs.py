"""Helpers for the Ingress tests: certificates made on the fly, fixtures, snapshots.

Certificates: a CA and leaves signed by it.
Keys are EC P-256 (fast to generate). Every helper returns PEM bytes; the
``tls_secret`` helper wraps a pair into a kubernetes.io/tls Secret dict the way
the API serialises it (base64 in ``data``). Snapshots: fixture manifests under
tests/fixtures/ingress are read with ``yaml.safe_load_all`` and sorted into a
:class:`Snapshot` by kind, independently of the real manifest loader.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubectl_discover.analyze.index import Index, build_index
from kubectl_discover.snapshot import WORKLOAD_KINDS, Snapshot, Unavailable

NOW = datetime.fromisoformat("2026-06-01T12:00:00+00:00")
"""The reference time every test passes as ``now``."""


@dataclass(frozen=True)
class Pair:
    cert_pem: bytes
    key_pem: bytes


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@cache
def _ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=3650))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def leaf(
    *sans: str,
    cn: str = "",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    with_chain: bool = True,
) -> Pair:
    """A leaf signed by the test CA with DNS SANs ``sans`` (none: no SAN extension)."""
    ca_cert, ca_key = _ca()
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else [])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - timedelta(days=30))
        .not_valid_after(not_after or NOW + timedelta(days=90))
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    pem = cert.public_bytes(serialization.Encoding.PEM)
    if with_chain:
        pem += ca_cert.public_bytes(serialization.Encoding.PEM)
    return Pair(pem, _key_pem(key))


def other_key() -> bytes:
    """A private key that belongs to no certificate."""
    return _key_pem(_key())


def tls_secret(
    name: str,
    namespace: str,
    pair: Pair | None = None,
    *,
    secret_type: str = "kubernetes.io/tls",
    key_pem: bytes | None = None,
    data: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A Secret as the API serialises it; ``data`` overrides the computed data map."""
    if data is None:
        assert pair is not None
        data = {
            "tls.crt": base64.b64encode(pair.cert_pem).decode(),
            "tls.key": base64.b64encode(key_pem if key_pem is not None else pair.key_pem).decode(),
        }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": secret_type,
        "data": data,
    }


# ---------------------------------------------------------------- snapshots

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingress"

_FIELDS = {
    "Service": "services",
    "EndpointSlice": "endpointslices",
    "Pod": "pods",
    "Node": "nodes",
    "Ingress": "ingresses",
    "IngressClass": "ingressclasses",
    "Secret": "secrets",
}


def fixture(name: str) -> list[dict[str, Any]]:
    """The documents of tests/fixtures/ingress/NAME.yaml."""
    with (FIXTURES / f"{name}.yaml").open() as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def index_of(
    *objs: Mapping[str, Any],
    live: bool = True,
    namespace: str | None = "shop",
    unavailable: tuple[Unavailable, ...] = (),
) -> Index:
    """An Index over the objects, sorted into the Snapshot fields by kind."""
    fields: dict[str, list[Mapping[str, Any]]] = {f: [] for f in (*_FIELDS.values(), "workloads")}
    for obj in objs:
        kind = str(obj.get("kind", ""))
        target = "workloads" if kind in WORKLOAD_KINDS else _FIELDS[kind]
        fields[target].append(obj)
    snapshot = Snapshot(
        namespace=namespace,
        live=live,
        unavailable=unavailable,
        **{k: tuple(v) for k, v in fields.items()},  # type: ignore[arg-type]
    )
    return build_index(snapshot)
