"""Renderers: strings out, the same facts as the JSON, colour only when asked."""

from __future__ import annotations

import json
from typing import Any

import yaml

from kubectl_discover.render import format_json, format_table, format_tree, format_yaml
from kubectl_discover.render.style import Style


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": "kubectl-discover/v1",
        "subject": {"kind": "Service", "namespace": "shop", "name": "db"},
        "kind": "Headless",
        "verdict": "fail",
        "facts": {"type": "ClusterIP", "clusterIP": "None"},
        "endpoints": [
            {
                "kind": "pod",
                "endpoint": "10.244.1.5:5432/TCP",
                "target": "pod db-0",
                "observed": "not probed",
                "verdict": "unknown",
                "why": "not ready",
            },
        ],
        "dnsNames": [
            {
                "query": "db-0.db.shop.svc.cluster.local",
                "type": "A",
                "form": "per-pod",
                "fqdn": "db-0.db.shop.svc.cluster.local",
                "clientNamespace": None,
                "expected": "NXDOMAIN",
                "observed": "not probed",
                "verdict": "fail",
                "why": "pod db-0 has subdomain db-headless, not db " * 3,
            },
        ],
        "routes": [],
        "findings": [
            {
                "id": "headless-subdomain-mismatch",
                "severity": "fail",
                "subject": "Service shop/db",
                "message": "StatefulSet db sets serviceName db-headless",
                "hint": "create Service db-headless",
                "evidence": {"statefulset": "db"},
            },
        ],
        "chain": [
            {
                "label": "Service shop/db :5432",
                "ok": True,
                "why": "",
                "children": [
                    {
                        "label": "EndpointSlice db-abc",
                        "ok": False,
                        "why": "no ready endpoint",
                        "children": [
                            {"label": "pod db-0", "ok": False, "why": "not ready", "children": []}
                        ],
                    },
                ],
            },
        ],
        "skipped": ["cannot list nodes cluster-wide: forbidden"],
    }
    doc.update(changes)
    return doc


def test_json_and_yaml_round_trip_the_document() -> None:
    doc = _doc()
    assert json.loads(format_json(doc)) == doc
    assert yaml.safe_load(format_yaml(doc)) == doc


def test_yaml_keeps_multiline_hints_readable() -> None:
    doc = _doc(
        findings=[
            {
                "id": "x",
                "severity": "fail",
                "subject": "s",
                "message": "m",
                "hint": "apiVersion: v1\nkind: Service\n",
                "evidence": {},
            }
        ]
    )
    text = format_yaml(doc)
    assert "hint: |" in text
    assert yaml.safe_load(text)["findings"][0]["hint"] == "apiVersion: v1\nkind: Service\n"


def test_table_shows_every_section_and_the_fix() -> None:
    text = format_table(_doc(), width=120)
    for needle in (
        "ENDPOINTS",
        "DNS NAMES",
        "FINDINGS",
        "SKIPPED",
        "headless-subdomain-mismatch",
        "fix: create Service db-headless",
        "db-0.db.shop.svc.cluster.local",
        "FAIL",
    ):
        assert needle in text


def test_table_wraps_long_reasons_within_the_width() -> None:
    text = format_table(_doc(), width=100)
    assert max(len(line) for line in text.splitlines()) <= 160
    assert "\x1b[" not in text


def test_colour_only_when_asked() -> None:
    assert "\x1b[31m" in format_table(_doc(), style=Style(color=True))
    assert "\x1b[" not in format_tree(_doc(), style=Style(color=False))


def test_wide_adds_evidence_columns() -> None:
    narrow = format_table(_doc(), width=200)
    wide = format_table(_doc(), width=200, wide=True)
    assert "FQDN" in wide and "FQDN" not in narrow
    assert "statefulset=db" in wide and "statefulset=db" not in narrow


def test_tree_marks_only_the_first_broken_link() -> None:
    text = format_tree(_doc())
    lines = text.splitlines()
    marked = [line for line in lines if "first break" in line]
    assert len(marked) == 1 and "EndpointSlice db-abc" in marked[0]
    assert any("pod db-0" in line for line in lines)


def test_scan_lists_items_worst_first_as_given() -> None:
    doc = {
        "kind": "Scan",
        "verdict": "fail",
        "items": [
            {
                "namespace": "a",
                "subjectKind": "Service",
                "name": "x",
                "kind": "ClusterIP",
                "verdict": "fail",
                "fail": 1,
                "warn": 0,
                "top": "selector-no-match: nothing",
            },
            {
                "namespace": "a",
                "subjectKind": "Service",
                "name": "y",
                "kind": "ClusterIP",
                "verdict": "ok",
                "fail": 0,
                "warn": 0,
                "top": None,
            },
        ],
    }
    lines = format_table(doc).splitlines()
    x = next(i for i, line in enumerate(lines) if " x " in line)
    y = next(i for i, line in enumerate(lines) if " y " in line)
    assert x < y
    assert "2 objects scanned" in format_table(doc)
