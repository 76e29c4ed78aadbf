"""The release archive on the oldest Pythons it supports, as the krew manifest ships it.

Each interpreter is real: 3.9 (RHEL 9, macOS's command-line tools) and 3.10 (Ubuntu 22.04)
come from tools/interpreters.py, found on this machine or installed by it; when neither works
the test fails with the reason (never a skip). 3.11 is the newest the table below compares
against. Every run goes through a fresh venv of that interpreter whose ``bin`` is the only
directory on PATH, so the archive's ``#!/usr/bin/env python3`` picks exactly that Python, with
a private HOME and SHIV_ROOT: what a user on such a machine gets after ``krew install``.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from release_support import ROOT, Release, load_module, real_python

pytestmark = pytest.mark.packaging

VERSIONS = ("3.9", "3.10", "3.11")
SHOP = ROOT / "examples" / "shop.yaml"


@dataclass(frozen=True)
class Venv:
    version: str
    bin: Path
    home: Path

    def run(
        self,
        command: Sequence[str],
        *,
        stdin: bytes | None = None,
        extra: Mapping[str, str] | None = None,
        timeout: float = 180,
    ) -> subprocess.CompletedProcess[bytes]:
        env = {name: os.environ[name] for name in ("LANG", "LC_ALL") if name in os.environ}
        env.update(
            PATH=str(self.bin),
            HOME=str(self.home),
            SHIV_ROOT=str(self.home / "shiv"),
            KUBECONFIG=str(self.home / "no-such-kubeconfig"),
            COLUMNS="120",
        )
        env.update(extra or {})
        return subprocess.run(
            list(command),
            input=stdin,
            capture_output=True,
            timeout=timeout,
            check=False,
            cwd=self.home,
            env=env,
        )


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Venv]:
    """A fresh venv per interpreter version, made once per module."""
    made: dict[str, Venv] = {}

    def get(version: str) -> Venv:
        if version not in made:
            made[version] = make_venv(version, tmp_path_factory.mktemp(f"venv{version}"))
        return made[version]

    return get


@pytest.fixture(params=VERSIONS)
def venv(request: pytest.FixtureRequest, venvs: Callable[[str], Venv]) -> Venv:
    return venvs(request.param)


def make_venv(version: str, root: Path) -> Venv:
    python = real_python(version)
    made = subprocess.run(
        [str(python), "-m", "venv", "--without-pip", str(root / "venv")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    home = root / "home"
    home.mkdir()
    env = Venv(version, root / "venv" / "bin", home)
    said = env.run(["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    assert said.stdout.decode().strip() == version, said.stderr
    return env


def plugin(built: Release) -> str:
    return str(built.unpacked / "kubectl-discover")


def test_version_help_and_completion(built: Release, venv: Venv) -> None:
    done = venv.run([plugin(built), "version"])
    assert (done.returncode, done.stdout.decode(), done.stderr) == (
        0,
        f"kubectl-discover {built.version}\n",
        b"",
    )
    root_help = venv.run([plugin(built), "--help"])
    assert root_help.returncode == 0, root_help.stderr
    assert all(f"  {name} " in root_help.stdout.decode() for name in ("svc", "route", "scan"))
    svc_help = venv.run([plugin(built), "svc", "--help"])
    assert svc_help.returncode == 0, svc_help.stderr
    text = svc_help.stdout.decode()
    # typer before Python 3.10 read the flags' string annotations unevaluated: no -n, no -f
    assert "-n, --namespace NAMESPACE" in text and "-f, --filename PATH" in text
    completer = str(built.unpacked / "kubectl_complete-discover")
    tab = venv.run([completer, "svc", "--no-c"])
    assert (tab.returncode, tab.stdout, tab.stderr) == (
        0,
        b"--no-color\tNever colour the output\n:4\n",
        b"",
    )


@pytest.mark.parametrize(
    ("service", "code", "verdict", "finding"),
    [
        ("api", 1, "fail", "selector-no-match"),  # shop.yaml: selector app=api-sever, a typo
        ("web-nodeport", 0, "ok", None),
    ],
)
def test_offline_verdict_and_exit_code(
    built: Release, venv: Venv, service: str, code: int, verdict: str, finding: str | None
) -> None:
    args = ["svc", service, "-n", "shop", "-f", str(SHOP), "--no-probe", "-o", "json"]
    done = venv.run([plugin(built), *args])
    assert done.returncode == code, done.stderr
    report = json.loads(done.stdout)
    assert report["subject"] == {"kind": "Service", "namespace": "shop", "name": service}
    assert report["verdict"] == verdict
    fails = [f["id"] for f in report["findings"] if f["severity"] == "fail"]
    assert fails == ([finding] if finding else [])


@pytest.fixture(scope="module")
def table_on_311(built: Release, venvs: Callable[[str], Venv]) -> bytes:
    """``svc db`` as a table, from the same archive on 3.11: the other versions must match."""
    done = venvs("3.11").run(
        [plugin(built), "svc", "db", "-n", "shop", "-f", str(SHOP), "--no-probe"]
    )
    assert done.returncode == 1, done.stderr
    return done.stdout


def test_the_table_is_the_same_on_every_version(
    built: Release, venv: Venv, table_on_311: bytes
) -> None:
    done = venv.run([plugin(built), "svc", "db", "-n", "shop", "-f", str(SHOP), "--no-probe"])
    assert (done.returncode, done.stderr) == (1, b"")
    assert done.stdout == table_on_311


# --- the probe program, as the plugin ships it into the pod ----------------------------------

PAYLOAD_SCRIPT = """\
import json, sys
from kubectl_discover.probe.payload import build_payload, frame
from kubectl_discover.probe.plan import ProbePlan
plan = ProbePlan.from_json(json.load(open(sys.argv[1], encoding="utf-8")))
open(sys.argv[2], "wb").write(frame(build_payload(plan)))
open(sys.argv[3], "w", encoding="utf-8").write(
    __import__("kubectl_discover.probe.bootstrap", fromlist=["BOOTSTRAP"]).BOOTSTRAP
)
"""


@pytest.fixture(scope="module")
def probe_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, Any]]:
    """The loopback DNS/HTTP/TLS servers of tests/unit/test_probe_program.py, zone filled the
    way its ``servers`` fixture fills it."""
    unit = load_module("kd_unit_probe_program", ROOT / "tests" / "unit" / "test_probe_program.py")
    servers = unit.Servers(tmp_path_factory.mktemp("probe-servers"))
    servers.zone.add("web.shop.svc.cluster.local.", "A", "10.96.0.12")
    yield unit, servers
    servers.close()


@pytest.mark.parametrize("version", ["3.9", "3.10"])
def test_the_probe_payload_runs_on_old_pythons(
    built: Release,
    venvs: Callable[[str], Venv],
    version: str,
    probe_servers: tuple[ModuleType, Any],
    tmp_path: Path,
) -> None:
    """The plan the plugin records with ``--dry-run``, packed by the plugin (with the archive's
    own dnspython) and run through the exec bootstrap by that interpreter."""
    venv = venvs(version)
    unit, servers = probe_servers
    dry = venv.run(
        [plugin(built), "svc", "web", "-n", "shop", "-f", str(SHOP), "--dry-run", "-o", "json"]
    )
    assert dry.returncode == 0, dry.stderr
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(json.loads(dry.stdout)["plan"]), encoding="utf-8")
    script = tmp_path / "payload.py"
    script.write_text(PAYLOAD_SCRIPT, encoding="utf-8")
    framed, bootstrap = tmp_path / "payload.bin", tmp_path / "bootstrap.py"
    packed = venv.run(
        [plugin(built), str(script), str(plan_file), str(framed), str(bootstrap)],
        extra={"SHIV_INTERPRETER": "1"},
    )
    assert packed.returncode == 0, packed.stderr
    resolv = unit.write_resolv(tmp_path)
    args = ["--resolv-conf", str(resolv), "--dns-port", str(servers.dns.port), "--no-libc"]
    ran = venv.run(
        ["python3", "-I", "-c", bootstrap.read_text(encoding="utf-8")],
        stdin=framed.read_bytes(),
        extra={"KUBECTL_DISCOVER_PROBE_ARGS": json.dumps(args), "TMPDIR": str(tmp_path)},
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr.decode()
    result = json.loads(ran.stdout)
    assert result["python"].startswith(version + ".")
    assert result["dns_library"].startswith("dnspython ")  # the archive's copy runs here too
    dns = {item["key"]: item for item in result["dns"]}
    fqdn = dns["dns:addr:web.shop.svc.cluster.local."]
    assert fqdn["answered_by"] == "web.shop.svc.cluster.local."
    assert sorted({a["data"] for s in fqdn["steps"] for a in s["answers"]}) == ["10.96.0.12"]
    # from namespace default the short name completes to web.default.svc...: no answer
    assert dns["dns:addr:web@default"]["answered_by"] is None


# --- every module on the oldest interpreter -------------------------------------------------

IMPORT_ALL = """\
import importlib, json, pkgutil, sys
import kubectl_discover
names, failed = [], []
for module in pkgutil.walk_packages(kubectl_discover.__path__, "kubectl_discover."):
    names.append(module.name)
    try:
        importlib.import_module(module.name)
    except Exception as exc:
        failed.append("%s: %s: %s" % (module.name, type(exc).__name__, exc))
print(json.dumps({"python": sys.version.split()[0], "modules": names, "failed": failed}))
"""


def test_every_module_compiles_and_imports_on_39(built: Release, tmp_path: Path) -> None:
    """Syntax (byte-compiled from the source tree) and import-time evaluation (every module
    imported from the archive) on 3.9: a 3.10+ construct added later fails here."""
    python = real_python("3.9")
    sources = sorted(str(p) for p in (ROOT / "kubectl_discover").rglob("*.py"))
    compiled = subprocess.run(
        [str(python), "-I", "-c", COMPILE_ALL, *sources],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr
    assert compiled.stdout == f"{len(sources)} compiled\n"
    script = tmp_path / "import_all.py"
    script.write_text(IMPORT_ALL, encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "SHIV_ROOT": str(tmp_path / "shiv")}
    imported = subprocess.run(
        [str(python), "-I", plugin(built), str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**env, "SHIV_INTERPRETER": "1"},
    )
    assert imported.returncode == 0, imported.stderr
    result = json.loads(imported.stdout)
    assert result["python"].startswith("3.9.")
    assert result["failed"] == []
    assert sorted(result["modules"]) == module_names(ROOT / "kubectl_discover")


def module_names(package: Path) -> list[str]:
    """Every module and subpackage under ``package`` by dotted name (``__init__.py`` is its
    package's), as pkgutil.walk_packages lists them."""
    names = set()
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    names.discard(package.name)
    return sorted(names)


COMPILE_ALL = """\
import sys
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        compile(handle.read(), path, "exec", dont_inherit=True)
print("%d compiled" % (len(sys.argv) - 1))
"""
