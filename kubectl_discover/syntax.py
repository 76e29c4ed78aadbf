"""The one place for the syntax of names and addresses (apimachinery's validation rules).

DNS-1123 labels and subdomains, DNS-1035 labels, IP literals. Every other module
asks here, so the CLI, the loader and the analysis agree on what ``a..b`` or a
64-character label is.
"""

from __future__ import annotations

import ipaddress
import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(rf"^{_LABEL}$")
_DNS1123_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def is_dns1123_label(text: str) -> bool:
    """A DNS-1123 label: lower-case alphanumerics and '-', 1-63, alphanumeric at both ends."""
    return len(text) <= DNS1123_LABEL_MAX and bool(_DNS1123_LABEL.match(text))


def is_dns1123_subdomain(text: str) -> bool:
    """Dot-separated DNS-1123 labels, at most 253 characters (no empty label: not ``a..b``)."""
    if len(text) > DNS1123_SUBDOMAIN_MAX or not _DNS1123_SUBDOMAIN.match(text):
        return False
    return all(len(label) <= DNS1123_LABEL_MAX for label in text.split("."))


def is_dns1035_label(text: str) -> bool:
    """A DNS-1035 label (Service names): like DNS-1123 but starting with a letter."""
    return len(text) <= DNS1123_LABEL_MAX and bool(_DNS1035_LABEL.match(text))


def is_ip(text: str) -> bool:
    """An IPv4 or IPv6 literal (no brackets, no zone)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
