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
