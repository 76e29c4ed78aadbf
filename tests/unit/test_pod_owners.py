"""A pod's Deployment without the ReplicaSets (``svc`` does not list them): the Deployment
controller names each ReplicaSet ``<deployment>-<pod-template-hash>`` and labels its pods
with that hash."""

from __future__ import annotations

from typing import Any

from kubectl_discover.analyze.pods import replicaset_owners
from kubectl_discover.snapshot import NOT_READ, Snapshot, Unavailable


def pod(name: str, rs: str, template_hash: str | None) -> dict[str, Any]:
    labels = {"app": "web"} | ({"pod-template-hash": template_hash} if template_hash else {})
    owner = {"kind": "ReplicaSet", "name": rs, "controller": True}
    return {"metadata": {"name": name, "namespace": "shop", "labels": labels,
                         "ownerReferences": [owner]}}  # fmt: skip


DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web", "namespace": "shop"}}  # fmt: skip
NOT_LISTED = (Unavailable("replicasets", "list", "shop", NOT_READ),)


def snapshot(*pods: dict[str, Any], read: bool = False) -> Snapshot:
    return Snapshot("shop", live=True, pods=pods, workloads=(DEPLOYMENT,),
                    unavailable=() if read else NOT_LISTED)  # fmt: skip


def test_replicaset_named_deployment_dash_hash_belongs_to_the_deployment() -> None:
    owners = replicaset_owners(snapshot(pod("web-5d8f-x1", "web-5d8f", "5d8f")))
    assert owners == {("shop", "web-5d8f"): ("Deployment", "web")}


def test_no_hash_label_no_matching_deployment_or_other_name_keeps_the_replicaset() -> None:
    owners = replicaset_owners(
        snapshot(
            pod("a", "web-5d8f", None),  # no pod-template-hash: a bare ReplicaSet
            pod("b", "api-77aa", "77aa"),  # no Deployment "api"
            pod("c", "web-5d8f", "9999"),  # the name does not end with the hash
            pod("d", "-5d8f", "5d8f"),  # nothing before the hash
        )
    )
    assert owners == {}


def test_when_replicasets_were_read_their_owner_references_decide() -> None:
    """A ReplicaSet listed without a controller is bare, whatever its name looks like."""
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "metadata": {"name": "web-5d8f", "namespace": "shop"}}  # fmt: skip
    snap = snapshot(pod("web-5d8f-x1", "web-5d8f", "5d8f"), read=True)
    snap = Snapshot("shop", live=True, pods=snap.pods, workloads=(DEPLOYMENT, rs))
    assert replicaset_owners(snap) == {}
