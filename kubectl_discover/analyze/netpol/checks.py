"""The NetworkPolicy checks: the catalogue entries the path findings raise.

findings.py raises them; the ids are stable (docs/checks.md lists them).
"""

from __future__ import annotations

from kubectl_discover.findings import Check, Severity

AREA = "netpol"

DNS_EGRESS_DENIED = Check(
    "netpol-dns-egress-denied",
    Severity.FAIL,
    "NetworkPolicy blocks DNS egress",
    "The client is isolated for egress (a NetworkPolicy selecting it has Egress in "
    "policyTypes) and no egress rule allows UDP 53 to its DNS server, so every lookup "
    "times out before any Service is reached.",
    "Add an egress rule allowing UDP and TCP 53 to the DNS pods (namespaceSelector and "
    "podSelector in one item), or to the NodeLocal cache address as an ipBlock.",
    AREA,
)
DNS_TCP_DENIED = Check(
    "netpol-dns-tcp-denied",
    Severity.WARN,
    "NetworkPolicy allows DNS over UDP but not TCP",
    "Egress to the DNS server is allowed on UDP 53 only. Answers larger than the UDP "
    "limit come back truncated and the resolver retries over TCP 53, which is dropped: "
    "large answers (many A records, long SRV sets) fail.",
    "Add TCP 53 next to UDP 53 in the DNS egress rule.",
    AREA,
)
DNS_NODE_LOCAL = Check(
    "netpol-dns-node-local-cache",
    Severity.FAIL,
    "DNS egress allows the CoreDNS pods but the client uses a NodeLocal DNS cache",
    "The client's resolv.conf names a NodeLocal DNS cache (an address on its node, host "
    "network). An egress rule that selects the CoreDNS pods by label never matches it: "
    "pod selectors cannot match host-network addresses.",
    "Add an egress rule with an ipBlock of the cache address (/32) on UDP and TCP 53.",
    AREA,
)
DNS_INGRESS_DENIED = Check(
    "netpol-dns-ingress-denied",
    Severity.FAIL,
    "NetworkPolicy on the DNS pods does not admit the client",
    "The CoreDNS pods are isolated for ingress and no ingress rule admits the client on "
    "port 53, so its lookups time out.",
    "Add an ingress rule to the DNS pods' policy admitting the client on UDP and TCP 53.",
    AREA,
)
EGRESS_DENIED = Check(
    "netpol-egress-denied",
    Severity.FAIL,
    "NetworkPolicy blocks egress from the client to the backend",
    "The client is isolated for egress and no egress rule of the policies selecting it "
    "matches the backend pod (or address) on the port policies see.",
    "Add an egress rule for the backend at its targetPort to the policy named.",
    AREA,
)
INGRESS_DENIED = Check(
    "netpol-ingress-denied",
    Severity.FAIL,
    "NetworkPolicy on the backend does not admit the client",
    "The backend pod is isolated for ingress and no ingress rule of the policies selecting "
    "it matches the client on the targetPort.",
    "Add an ingress rule admitting the client on the targetPort to the policy named.",
    AREA,
)
SERVICE_PORT = Check(
    "netpol-service-port-not-target-port",
    Severity.FAIL,
    "NetworkPolicy rule uses the Service port instead of the targetPort",
    "A rule allows the Service's port, but policies see the packets after the Service is "
    "translated: the pod's IP and its targetPort. The rule never matches that traffic.",
    "Write the targetPort (the container port number or its name) in the rule's ports.",
    AREA,
)
CONTROLLER_NOT_ADMITTED = Check(
    "netpol-ingress-controller-not-admitted",
    Severity.FAIL,
    "Backends do not admit the Ingress/Gateway controller",
    "The backend pods are isolated for ingress and no rule admits the controller pods; "
    "the proxy connects to the pods directly, so requests through the Ingress or "
    "Gateway fail (502/503/504) while in-cluster clients may work.",
    "Add an ingress rule admitting the controller pods (their namespace and labels) on "
    "the targetPort.",
    AREA,
)
ADMIN_DENIED = Check(
    "netpol-admin-policy-denies",
    Severity.FAIL,
    "An AdminNetworkPolicy or BaselineAdminNetworkPolicy denies the connection",
    "A cluster-scoped admin policy rule with action Deny matches the connection. An "
    "AdminNetworkPolicy Deny outranks every NetworkPolicy; a BaselineAdminNetworkPolicy "
    "Deny applies only while no NetworkPolicy isolates the pod.",
    "Ask the cluster administrator to change the rule named; for a baseline deny, a "
    "NetworkPolicy selecting the pod and allowing the connection takes precedence.",
    AREA,
)
PEERS_OR = Check(
    "netpol-peers-or-likely-and",
    Severity.WARN,
    "namespaceSelector and podSelector written as two peers (OR)",
    "A rule lists a namespaceSelector and a podSelector as two items of from/to: that "
    "admits every pod of the selected namespaces OR the matching pods of the policy's "
    "own namespace. Usually the pods matching podSelector in those namespaces (one item, "
    "AND) were meant. This is a likely mistake, not a certain one.",
    "If AND was meant, write both selectors in ONE item (no '-' before podSelector).",
    AREA,
)
UNKNOWN = Check(
    "netpol-verdict-unknown",
    Severity.WARN,
    "NetworkPolicy verdict cannot be decided",
    "Whether the connection is allowed depends on something the policies alone do not "
    "decide: another engine's policies (Cilium, Calico, Antrea, ...), behaviour the API "
    "leaves to the implementation (ipBlock on pod IPs, host-network pods), a malformed "
    "policy, or namespace labels that were not read.",
    "Read the reason; probe the connection from the client to see what the cluster does.",
    AREA,
)
MALFORMED = Check(
    "netpol-malformed",
    Severity.WARN,
    "Policy the API server would reject",
    "A field of the policy is invalid (an empty peer, ipBlock with a selector, endPort "
    "with a named port, an unknown operator, ...). The API server rejects such an object; "
    "verdicts depending on it are reported as unknown.",
    "Correct the field named.",
    AREA,
)
PATH_ALLOWED = Check(
    "netpol-path-allowed",
    Severity.OK,
    "NetworkPolicies allow the whole path",
    "Every connection of the path (DNS, backends, controller) is allowed by the "
    "policies: either nothing isolates the pods, or a rule allows each connection.",
    "Nothing to do.",
    AREA,
)

NAMESPACE_DNS_BLOCKED = Check(
    "netpol-namespace-dns-blocked",
    Severity.FAIL,
    "NetworkPolicies block DNS for pods of a namespace",
    "scan: pods of the namespace are isolated for egress (typically a default-deny egress "
    "policy) and no egress rule lets them reach the cluster DNS (the kube-dns pods) on UDP "
    "53, or on TCP 53: their lookups time out (UDP) or large answers fail (TCP).",
    "Add an egress rule allowing UDP and TCP 53 to the DNS pods (namespaceSelector and "
    "podSelector in one item) for every pod of the namespace.",
    AREA,
)
BACKENDS_UNREACHABLE = Check(
    "netpol-backends-unreachable",
    Severity.FAIL,
    "No NetworkPolicy rule lets any client reach a Service's backends",
    "scan: the backend pods are isolated for ingress and no ingress rule of the policies "
    "selecting them names their targetPort (or all ports), whatever the peer: no client, "
    "inside or outside the namespace, can reach the Service.",
    "Add an ingress rule admitting the Service's clients on the targetPort to a policy "
    "selecting the backends.",
    AREA,
)

CHECKS = (
    DNS_EGRESS_DENIED,
    DNS_TCP_DENIED,
    DNS_NODE_LOCAL,
    DNS_INGRESS_DENIED,
    EGRESS_DENIED,
    INGRESS_DENIED,
    SERVICE_PORT,
    CONTROLLER_NOT_ADMITTED,
    ADMIN_DENIED,
    PEERS_OR,
    UNKNOWN,
    MALFORMED,
    PATH_ALLOWED,
    NAMESPACE_DNS_BLOCKED,
    BACKENDS_UNREACHABLE,
)
