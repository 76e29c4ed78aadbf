"""tools/release.py's own rules: krew manifest checks, the template, archives, binary headers.

Fast (nothing is built or downloaded); marked ``packaging`` with the rest of the directory.
"""

from __future__ import annotations

import copy
import re
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from release_support import ROOT

pytestmark = pytest.mark.packaging

SHA = "a" * 64


def rendered(release: ModuleType, **overrides: str) -> dict[str, Any]:
    values = {"VERSION": "1.2.3", "HOMEPAGE": "https://example.test/p", "RELEASE_URL": "https://r"}
    for platform in release.PLATFORMS:
        values[f"SHA256_{platform.os.upper()}_{platform.arch.upper()}"] = SHA
    values.update(overrides)
    template = (ROOT / "krew" / "discover.yaml.in").read_text(encoding="utf-8")
    manifest: dict[str, Any] = yaml.safe_load(release.render_manifest(template, values))
    return manifest


def test_the_template_renders_to_a_manifest_krew_accepts(release: ModuleType) -> None:
    manifest = rendered(release)
    assert release.check_manifest(manifest, "discover.yaml") == []
    spec = manifest["spec"]
    assert manifest["metadata"]["name"] == "discover"
    assert spec["version"] == "v1.2.3"
    pairs = {
        (p["selector"]["matchLabels"]["os"], p["selector"]["matchLabels"]["arch"])
        for p in spec["platforms"]
    }
    assert pairs == {
        ("linux", "amd64"),
        ("linux", "arm64"),
        ("darwin", "amd64"),
        ("darwin", "arm64"),
    }
    for platform in spec["platforms"]:
        labels = platform["selector"]["matchLabels"]
        assert platform["uri"] == (
            f"https://r/v1.2.3/kubectl-discover_1.2.3_{labels['os']}_{labels['arch']}.tar.gz"
        )
        assert platform["bin"] == "kubectl-discover"
        assert {f["from"] for f in platform["files"]} == {
            "kubectl-discover",
            "kubectl_complete-discover",
            "LICENSE",
        }
    assert "v1.2.3/kubectl_complete-discover" in spec["caveats"]


def test_caveats_name_every_resource_of_deploy_rbac(release: ModuleType) -> None:
    caveats = rendered(release)["spec"]["caveats"]
    roles = {
        doc["metadata"]["name"]: doc
        for doc in yaml.safe_load_all((ROOT / "deploy" / "rbac.yaml").read_text(encoding="utf-8"))
        if doc
    }
    for role in roles.values():
        for rule in role["rules"]:
            for resource in rule["resources"]:
                assert resource in caveats, resource
                for verb in rule["verbs"]:
                    assert verb in caveats, (resource, verb)


def test_a_leftover_or_unknown_placeholder_is_an_error(release: ModuleType) -> None:
    with pytest.raises(release.BuildError, match="@NOPE@"):
        release.render_manifest("version: @NOPE@", {"VERSION": "1"})
    assert release.render_manifest("v@VERSION@ ${KEEP}", {"VERSION": "1"}) == "v1 ${KEEP}"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m["metadata"].update(name="kubectl-discover"), "prefix"),
        (lambda m: m["metadata"].update(name="Discover"), "lowercase"),
        (lambda m: m["metadata"].update(name="nul"), "not allowed"),
        (lambda m: m["metadata"].update(name="dis cover"), "not allowed"),
        (lambda m: m["spec"].update(version="0.1.0"), "semver"),
        (lambda m: m["spec"].update(version="v0.1"), "semver"),
        (lambda m: m["spec"].update(shortDescription="x" * 51), "shortDescription"),
        (lambda m: m["spec"].update(shortDescription=""), "shortDescription"),
        (lambda m: m["spec"].update(description=""), "description is empty"),
        (lambda m: m["spec"].update(caveats="word " * 20), "caveats line longer"),
        (lambda m: m["spec"]["platforms"][0].update(sha256="A" * 64), "sha256"),
        (lambda m: m["spec"]["platforms"][0].update(sha256="abc"), "sha256"),
        (lambda m: m["spec"]["platforms"][0].update(bin=""), "bin is empty"),
        (lambda m: m["spec"]["platforms"][0].update(files=[]), "files is empty"),
        (lambda m: m["spec"]["platforms"][0].update(uri="https://r/x.exe"), "tar.gz"),
        (lambda m: m["spec"]["platforms"][0]["selector"]["matchLabels"].update(x="1"), "os/arch"),
        (
            lambda m: m["spec"]["platforms"][1]["selector"].update(
                matchLabels={"os": "linux", "arch": "amd64"}
            ),
            "overlaps",
        ),
        (lambda m: m["spec"].update(platforms=[]), "no platforms"),
        (lambda m: m.update(apiVersion="krew.googlecontainertools.github.com/v1alpha1"), "api"),
        (lambda m: m.update(kind="Plugins"), "kind"),
    ],
)
def test_manifest_rules_catch(release: ModuleType, change: Any, problem: str) -> None:
    manifest = copy.deepcopy(rendered(release))
    change(manifest)
    problems = release.check_manifest(manifest, f"{manifest['metadata']['name']}.yaml")
    assert any(problem.lower() in p.lower() for p in problems), problems


def test_manifest_file_must_be_named_after_the_plugin(release: ModuleType) -> None:
    problems = release.check_manifest(rendered(release), "kubectl-discover.yaml")
    assert problems == ["manifest file 'kubectl-discover.yaml' must be named discover.yaml"]


def test_one_long_word_may_exceed_the_line_limit(release: ModuleType) -> None:
    manifest = rendered(release)
    manifest["spec"]["caveats"] = "  " + "x" * 120
    assert release.check_manifest(manifest, "discover.yaml") == []


def _elf(machine: int) -> bytes:
    ident = b"\x7fELF" + b"\x02\x01\x01" + b"\x00" * 9  # e_ident: 16 bytes
    return ident + (3).to_bytes(2, "little") + machine.to_bytes(2, "little")


def test_binary_headers_must_match_the_platform(release: ModuleType) -> None:
    by_key = {p.key: p for p in release.PLATFORMS}
    linux_amd64, linux_arm64 = by_key["linux/amd64"], by_key["linux/arm64"]
    assert release.binary_arch_problem("a.so", _elf(62), linux_amd64) is None
    assert "expected 183" in release.binary_arch_problem("a.so", _elf(62), linux_arm64)
    assert "not an ELF" in release.binary_arch_problem("a.so", b"\xcf\xfa\xed\xfe", linux_amd64)
    darwin_arm64 = by_key["darwin/arm64"]
    thin_arm = b"\xcf\xfa\xed\xfe" + (0x0100000C).to_bytes(4, "little")
    thin_x86 = b"\xcf\xfa\xed\xfe" + (0x01000007).to_bytes(4, "little")
    assert release.binary_arch_problem("a.so", thin_arm, darwin_arm64) is None
    assert release.binary_arch_problem("a.so", thin_x86, darwin_arm64) is not None
    fat = b"\xca\xfe\xba\xbe" + (2).to_bytes(4, "big")
    fat += (0x01000007).to_bytes(4, "big") + b"\x00" * 16 + (0x0100000C).to_bytes(4, "big")
    assert release.binary_arch_problem("a.so", fat, darwin_arm64) is None
    assert release.binary_arch_problem("a.so", fat, by_key["darwin/amd64"]) is None
    assert "not a Mach-O" in release.binary_arch_problem("a.so", _elf(183), darwin_arm64)


def test_version_specific_wheels_are_told_from_abi3_and_pure(
    release: ModuleType, tmp_path: Path
) -> None:
    def info(name: str, tags: list[str]) -> Path:
        path = tmp_path / f"{name}.dist-info"
        path.mkdir()
        (path / "WHEEL").write_text("Wheel-Version: 1.0\n" + "".join(f"Tag: {t}\n" for t in tags))
        return path

    assert release.version_specific(info("cffi-2.1.1", ["cp311-cp311-manylinux_2_17_x86_64"]))
    assert not release.version_specific(
        info("cryptography-50", ["cp311-abi3-manylinux_2_28_x86_64"])
    )
    assert not release.version_specific(info("typer-0.29", ["py3-none-any"]))


def test_tarballs_are_byte_for_byte_repeatable(release: ModuleType, tmp_path: Path) -> None:
    executable = tmp_path / "kubectl-discover"
    executable.write_bytes(b"#!/usr/bin/env python3\n")
    executable.chmod(0o755)
    license_file = tmp_path / "LICENSE"
    license_file.write_text("text")
    members = {"kubectl-discover": executable, "LICENSE": license_file}
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    release.write_tarball(first, members)
    executable.touch()  # a newer mtime must not change the archive
    release.write_tarball(second, members)
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        assert [(m.name, m.mode, m.uid, m.mtime) for m in tar.getmembers()] == [
            ("LICENSE", 0o644, 0, release.SOURCE_DATE_EPOCH),
            ("kubectl-discover", 0o755, 0, release.SOURCE_DATE_EPOCH),
        ]


def test_archive_names_follow_the_krew_template(release: ModuleType) -> None:
    names = {release.archive_name("0.1.0", p) for p in release.PLATFORMS}
    assert names == {
        "kubectl-discover_0.1.0_linux_amd64.tar.gz",
        "kubectl-discover_0.1.0_linux_arm64.tar.gz",
        "kubectl-discover_0.1.0_darwin_amd64.tar.gz",
        "kubectl-discover_0.1.0_darwin_arm64.tar.gz",
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+", release.project_version())
