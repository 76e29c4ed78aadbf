"""The boundary: DNS ConfigMaps as the API serialises them, read once into typed values.

Three kinds of ConfigMap configure cluster DNS (docs/corefile.md, "Sources"):

- CoreDNS (``kube-system/coredns``, key ``Corefile``). Its other keys are files next
  to the Corefile (k3s mounts ``NodeHosts`` there for ``hosts``); on AKS the
  ``coredns-custom`` ConfigMap is mounted at ``custom/``, so its ``*.server`` and
  ``*.override`` keys are what ``import custom/*.server`` and
  ``import custom/*.override`` splice in.
- node-local-dns (``kube-system/node-local-dns``, key ``Corefile``): a Corefile for
  the per-node cache, written with ``__PILLAR__...__`` placeholders that the
  installer or node-cache replaces; ``pillars`` supplies known values, the others
  stay and are reported.
- kube-dns (``kube-system/kube-dns``, keys ``stubDomains``/``upstreamNameservers``
  as JSON): not CoreDNS at all; read into :class:`KubeDnsConfig` and said so.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_discover.analyze.corefile.config import CorefileConfig, load_corefile
from kubectl_discover.refs import ObjectRef
from kubectl_discover.snapshot import Obj, name_of

COREFILE_KEY = "Corefile"
CUSTOM_DIR = "custom"
KUBE_DNS_KEYS = ("stubDomains", "upstreamNameservers", "federations")
MAX_JSON = 100_000


class ConfigKind(enum.Enum):
    COREDNS = "CoreDNS"
    NODE_LOCAL_DNS = "node-local-dns"
    KUBE_DNS = "kube-dns"
    OTHER = "other"  # no Corefile and no kube-dns keys


@dataclass(frozen=True)
class KubeDnsConfig:
    """kube-dns's settings: stub domains (zone -> nameservers) and upstream nameservers."""

    stub_domains: tuple[tuple[str, tuple[str, ...]], ...]
    upstream_nameservers: tuple[str, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class DnsConfig:
    """One DNS ConfigMap read: its kind, the Corefile configuration or kube-dns settings.

    ``custom`` is the ``coredns-custom`` ConfigMap whose keys were offered to
    ``import`` (None when there was none).
    """

    ref: ObjectRef
    kind: ConfigKind
    corefile: CorefileConfig | None
    kube_dns: KubeDnsConfig | None
    custom: ObjectRef | None


def _data(configmap: Obj) -> dict[str, str]:
    data = configmap.get("data") or {}
    if not isinstance(data, Mapping):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def read_dns_configmap(
    configmap: Obj,
    *,
    custom: Obj | None = None,
    custom_readable: bool = True,
    pillars: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> DnsConfig:
    """Read a DNS ConfigMap (and AKS's ``coredns-custom``) into a :class:`DnsConfig`.

    ``custom_readable=False`` says ``coredns-custom`` could not be read (RBAC): file
    imports are then reported unresolved instead of matching nothing.
    """
    ref = ObjectRef("ConfigMap", _namespace(configmap), name_of(configmap))
    data = _data(configmap)
    text = data.get(COREFILE_KEY)
    if text is None:
        if any(k in data for k in KUBE_DNS_KEYS) or ref.name == "kube-dns":
            return DnsConfig(ref, ConfigKind.KUBE_DNS, None, _kube_dns(data), None)
        return DnsConfig(ref, ConfigKind.OTHER, None, None, None)
    kind = ConfigKind.COREDNS
    if ref.name == "node-local-dns" or "__PILLAR__" in text:
        kind = ConfigKind.NODE_LOCAL_DNS
        text = substitute_pillars(text, pillars or {})
    files: dict[str, str] | None = {k: v for k, v in data.items() if k != COREFILE_KEY}
    custom_ref = None
    if custom is not None:
        custom_ref = ObjectRef("ConfigMap", _namespace(custom), name_of(custom))
        for key, value in _data(custom).items():
            files = {**(files or {}), f"{CUSTOM_DIR}/{key}": value}
    if not custom_readable:
        files = None
    config = load_corefile(text, imports=files, env=env, source=f"{ref.path}/{COREFILE_KEY}")
    return DnsConfig(ref, kind, config, None, custom_ref)


def _namespace(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "kube-system")


def substitute_pillars(text: str, pillars: Mapping[str, str]) -> str:
    """Replace node-local-dns placeholders (``__PILLAR__CLUSTER__DNS__``) by known values."""
    for name, value in pillars.items():
        if name.startswith("__PILLAR__"):
            text = text.replace(name, value)
    return text


def _kube_dns(data: Mapping[str, str]) -> KubeDnsConfig:
    problems: list[str] = []
    stubs: list[tuple[str, tuple[str, ...]]] = []
    raw = _json(data.get("stubDomains"), "stubDomains", problems)
    if isinstance(raw, Mapping):
        for zone, listed in raw.items():
            if isinstance(listed, list) and all(isinstance(s, str) for s in listed):
                stubs.append((str(zone), tuple(listed)))
            else:
                problems.append(f"stubDomains[{zone!r}] is not a list of nameservers")
    elif raw is not None:
        problems.append("stubDomains is not a JSON object")
    upstream = _json(data.get("upstreamNameservers"), "upstreamNameservers", problems)
    servers: tuple[str, ...] = ()
    if isinstance(upstream, list) and all(isinstance(s, str) for s in upstream):
        servers = tuple(upstream)
    elif upstream is not None:
        problems.append("upstreamNameservers is not a JSON list of nameservers")
    return KubeDnsConfig(tuple(stubs), servers, tuple(problems))


def _json(text: str | None, key: str, problems: list[str]) -> Any:
    if text is None or not text.strip():
        return None
    if len(text) > MAX_JSON:
        problems.append(f"{key} is over {MAX_JSON} characters")
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        problems.append(f"{key} is not valid JSON: {error}")
        return None
