"""``-o json`` and ``-o yaml``: the documented schema (docs/output.md), nothing more."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml


def format_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    """Block-style YAML with multi-line strings (converted manifests in hints) as ``|``."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def format_yaml(document: Mapping[str, Any]) -> str:
    return yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True)
