"""End-to-end fixtures: a real Kubernetes control plane from ``testcluster``.

The session fixture ``cluster`` reuses a healthy cluster started with
``make cluster-up``; otherwise it starts a private one (own directory under
``.cluster/sessions/`` and own network namespace) and stops it when the
session ends (also on SIGTERM/SIGHUP, Ctrl-C and at interpreter exit). If the cluster cannot
be started the tests fail. ``KD_SKIP_E2E=1`` skips them, with the reason
printed in the report header and in the skip summary.
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from testcluster import Cluster, Layout, acquire, down  # noqa: E402

SKIP_REASON = "KD_SKIP_E2E=1 is set: end-to-end tests against the local test cluster are skipped"
E2E_DIR = Path(__file__).resolve().parent


def _skip_requested() -> bool:
    return os.environ.get("KD_SKIP_E2E") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: end-to-end test against the local test cluster (testcluster/); KD_SKIP_E2E=1 skips",
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    return SKIP_REASON if _skip_requested() else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/e2e as ``e2e``; skip it all on KD_SKIP_E2E=1."""
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
        if _skip_requested() and item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def _install_teardown_handlers(layout: Layout) -> None:
    """Make sure a cluster this session started is stopped however it ends."""
    atexit.register(down, layout)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        down(layout)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """The running test cluster (see testcluster.Cluster for the API)."""
    if _skip_requested():
        pytest.skip(SKIP_REASON)
    handle, started = acquire()
    if started:
        _install_teardown_handlers(handle.layout)
    try:
        yield handle
    finally:
        if started:
            down(handle.layout)


@pytest.fixture
def namespace(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace for one test, deleted afterwards."""
    label = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower().removeprefix("test_"))
    prefix = label[:24].strip("-") or "t"
    with cluster.namespace(prefix) as name:
        yield name


def pytest_sessionfinish(session: pytest.Session, exitstatus: Any) -> None:
    if _skip_requested():
        print(f"\n{SKIP_REASON}", file=sys.stderr)
