"""The Gateway API checks (area "gateway"), declared once; the analysis raises them."""

from __future__ import annotations

from kubectl_discover.findings import Severity, area_checks

_check = area_checks("gateway")


# ---------------------------------------------------------------- GatewayClass and Gateway

CLASS_MISSING = _check(
    "gateway-class-missing",
    Severity.FAIL,
    "Gateway names a GatewayClass that does not exist",
    "A Gateway is programmed by the controller named in its GatewayClass "
    "(spec.controllerName). Without the class no controller claims the Gateway: its status "
    "stays Accepted=Unknown (Pending), it gets no address and serves nothing.",
    "Set spec.gatewayClassName to an existing GatewayClass (kubectl get gatewayclass), or "
    "install the controller that creates it.",
)
CLASS_NOT_ACCEPTED = _check(
    "gateway-class-not-accepted",
    Severity.FAIL,
    "GatewayClass is not Accepted by its controller",
    "The controller named by spec.controllerName sets Accepted=True on classes it will "
    "serve. Accepted=False (InvalidParameters, Unsupported, UnsupportedVersion) or Unknown "
    "(Pending: no such controller is running) means Gateways of the class are not programmed.",
    "Check the class's status message; run the controller whose name is in "
    "spec.controllerName, or fix spec.parametersRef.",
)
CLASS_UNKNOWN = _check(
    "gateway-class-unknown",
    Severity.INFO,
    "GatewayClass status unknown offline",
    "Manifests carry no status, so whether a controller accepts the class cannot be told.",
    "Run against the cluster to see the class's Accepted condition.",
)
GATEWAY_NOT_ACCEPTED = _check(
    "gateway-not-accepted",
    Severity.FAIL,
    "The controller did not accept the Gateway",
    "status.conditions Accepted=False (Invalid, InvalidParameters, UnsupportedAddress, "
    "ListenersNotValid) or still Unknown (Pending: no controller reconciled it).",
    "Read the condition's message and fix what it names (kubectl describe gateway NAME).",
)
GATEWAY_NOT_PROGRAMMED = _check(
    "gateway-not-programmed",
    Severity.FAIL,
    "The Gateway is not Programmed",
    "Programmed=False (Invalid, NoResources, AddressNotAssigned, AddressNotUsable) means the "
    "data plane was not configured for the Gateway, so its addresses answer nothing yet.",
    "Read the condition's message; for AddressNotAssigned check the load balancer behind the "
    "Gateway.",
)
GATEWAY_NO_ADDRESS = _check(
    "gateway-no-address",
    Severity.WARN,
    "Gateway has no address in status.addresses",
    "The controller writes status.addresses once the Gateway is bound to an address; without "
    "one, clients have nowhere to send requests.",
    "Check the Gateway's Programmed condition and the controller's load balancer Service.",
)
GATEWAY_STATUS_UNKNOWN = _check(
    "gateway-status-unknown",
    Severity.INFO,
    "Gateway status unknown offline",
    "Manifests carry no status: the address and the controller's conditions cannot be read.",
    "Run against the cluster to see the address and conditions.",
)
GATEWAY_STATUS_DISAGREES = _check(
    "gateway-status-disagrees",
    Severity.WARN,
    "The Gateway's status disagrees with the specification",
    "What the controller wrote (listener attachedRoutes; listener Accepted, ResolvedRefs, "
    "Conflicted: status, and reason when both are the specification's) differs from what the "
    "specification predicts from the objects: the status is stale (observedGeneration behind "
    "metadata.generation), or the controller behaves differently.",
    "Compare the prediction with the controller's documentation; if the status is stale, check "
    "that the controller is running.",
)

# ---------------------------------------------------------------- listeners

LISTENER_INVALID = _check(
    "gateway-listener-invalid",
    Severity.FAIL,
    "Listener configuration rejected",
    "A listener needs a port; tls is forbidden on HTTP, TCP and UDP and required on HTTPS and "
    "TLS; HTTPS always terminates (mode Terminate) with certificateRefs; hostname is a "
    "lower-case DNS name or '*.' wildcard and is forbidden on TCP/UDP. The API server rejects "
    "most of these; controllers reject the rest (Accepted=False).",
    "Fix the listener field the message names.",
)
LISTENER_PROTOCOL = _check(
    "gateway-listener-protocol-unsupported",
    Severity.FAIL,
    "Listener protocol is not supported",
    "Core protocols are HTTP, HTTPS, TLS, TCP and UDP (case-sensitive); other un-prefixed names "
    "are reserved and controllers set Accepted=False (UnsupportedProtocol). Domain-prefixed "
    "protocols are implementation-specific.",
    "Use protocol HTTP or HTTPS for HTTPRoutes and GRPCRoutes.",
)
LISTENER_KINDS = _check(
    "gateway-listener-route-kinds-invalid",
    Severity.FAIL,
    "Listener allows route kinds its protocol cannot carry",
    "allowedRoutes.kinds must be compatible with the protocol (HTTP/HTTPS: HTTPRoute, "
    "GRPCRoute; TLS: TLSRoute; TCP: TCPRoute; UDP: UDPRoute). Unsupported kinds make "
    "ResolvedRefs=False (InvalidRouteKinds); Routes of those kinds do not attach.",
    "Remove allowedRoutes.kinds (all kinds of the protocol) or list compatible kinds.",
)
LISTENER_CONFLICTED = _check(
    "gateway-listener-conflicted",
    Severity.FAIL,
    "Listener conflicts with another listener",
    "Listeners on one port must be distinct: the same protocol needs different hostnames "
    "(HostnameConflict), and plain HTTP, TLS-based and TCP listeners cannot share a port "
    "(ProtocolConflict). Among a Gateway's own listeners every indistinct one is rejected; a "
    "ListenerSet listener conflicting with an earlier listener (the Gateway's, or an older "
    "ListenerSet's) is rejected. Rejected listeners serve nothing.",
    "Give the listener another port or hostname.",
)
LISTENER_OVERLAP = _check(
    "gateway-listener-overlapping-tls",
    Severity.INFO,
    "TLS listeners on one port have overlapping hostnames",
    "Listeners such as *.example.com and foo.example.com on one HTTPS port overlap "
    "(OverlappingTLSConfig): an HTTP/2 client may reuse a connection opened for one name to "
    "send requests for the other (connection coalescing), reaching the first listener.",
    "Nothing to do if intended; otherwise use hostnames that do not overlap per port.",
)
LISTENER_SECRET_MISSING = _check(
    "gateway-listener-tls-secret-missing",
    Severity.FAIL,
    "Listener certificate Secret not found",
    "tls.certificateRefs names a Secret that does not exist; controllers set "
    "ResolvedRefs=False (InvalidCertificateRef) and cannot terminate TLS with it.",
    "Create the kubernetes.io/tls Secret (kubectl create secret tls NAME --cert --key -n NS).",
)
LISTENER_REF_NOT_PERMITTED = _check(
    "gateway-listener-tls-ref-not-permitted",
    Severity.FAIL,
    "Listener certificate in another namespace without a ReferenceGrant",
    "A certificateRef to a Secret in another namespace is valid only if a ReferenceGrant in "
    "the Secret's namespace allows the Gateway (or ListenerSet) kind from the listener's "
    "namespace; otherwise ResolvedRefs=False (RefNotPermitted). A grant for Gateways does not "
    "cover ListenerSets.",
    "Apply the ReferenceGrant shown in the hint in the Secret's namespace.",
)
LISTENER_REF_KIND = _check(
    "gateway-listener-tls-ref-kind",
    Severity.WARN,
    "Listener certificate reference is not a core Secret",
    'Only a core Secret (group "", kind Secret) is portable; other kinds are '
    "implementation-specific and usually make ResolvedRefs=False (InvalidCertificateRef).",
    "Reference a kubernetes.io/tls Secret.",
)
LISTENER_GRANT_UNKNOWN = _check(
    "gateway-listener-tls-grant-unknown",
    Severity.INFO,
    "Cross-namespace certificate reference not checked",
    "ReferenceGrants could not be read, so whether a cross-namespace certificateRef is "
    "permitted is unknown.",
    "Grant 'list' on referencegrants.gateway.networking.k8s.io.",
)
LISTENER_SELECTOR_MISSING = _check(
    "gateway-listener-selector-missing",
    Severity.WARN,
    "allowedRoutes from Selector without a selector",
    "namespaces.from: Selector needs namespaces.selector; without it no namespace is selected.",
    "Add allowedRoutes.namespaces.selector, or use from: Same or All.",
)
LISTENER_SEVERAL_CERTS = _check(
    "gateway-listener-tls-several-certificates",
    Severity.INFO,
    "Listener lists several certificates",
    "One certificateRef has Core support; several are implementation-specific.",
    "Keep one certificate per listener where portability matters.",
)
LISTENER_STATUS = _check(
    "gateway-listener-status",
    Severity.FAIL,
    "The controller reports a listener problem",
    "status.listeners[].conditions: Accepted=False, ResolvedRefs=False, Conflicted=True or "
    "Programmed=False as the controller wrote them.",
    "Read the condition's reason and message and fix the listener.",
)

# ---------------------------------------------------------------- ListenerSets

LISTENERSET_NOT_ALLOWED = _check(
    "gateway-listenerset-not-allowed",
    Severity.FAIL,
    "Gateway does not accept the ListenerSet",
    "A Gateway accepts ListenerSets only as spec.allowedListeners.namespaces allows (from: "
    "Same, All or Selector); unset means from: None. A ListenerSet that is not accepted "
    "(NotAllowed) adds no listener, and Routes attached to it serve nothing.",
    "Set spec.allowedListeners.namespaces.from on the Gateway (Same, All, or Selector with "
    "labels of the ListenerSet's namespace).",
)
LISTENERSET_PARENT = _check(
    "gateway-listenerset-parent-missing",
    Severity.FAIL,
    "ListenerSet parentRef names no Gateway",
    "spec.parentRef must name an existing Gateway; otherwise its listeners exist nowhere.",
    "Fix spec.parentRef (name, namespace) of the ListenerSet.",
)
LISTENERSET_UNKNOWN = _check(
    "gateway-listenerset-unknown",
    Severity.INFO,
    "Whether the Gateway accepts the ListenerSet is unknown",
    "allowedListeners uses a namespace selector, and the labels of the ListenerSet's namespace "
    "are unknown.",
    "Run against the cluster (or include the Namespace objects) to read the labels.",
)

# ---------------------------------------------------------------- Routes

ROUTE_INVALID = _check(
    "gateway-route-invalid",
    Severity.FAIL,
    "Route field rejected by the API",
    "Hostnames are lower-case DNS names (an optional leading '*.' label, no IP addresses); "
    "Exact and PathPrefix paths start with '/' and hold no '//', '/./', '/../', '%2f' or '#'; "
    "RequestRedirect cannot be combined with URLRewrite or backendRefs.",
    "Fix the field the message names.",
)
ROUTE_NO_PARENT = _check(
    "gateway-route-no-parent",
    Severity.FAIL,
    "Route has no parentRefs",
    "Without spec.parentRefs a Route is attached to no Gateway and serves nothing.",
    "Add spec.parentRefs naming the Gateway (and sectionName for one listener).",
)
ROUTE_PARENT_MISSING = _check(
    "gateway-route-parent-missing",
    Severity.FAIL,
    "Route parentRef names a Gateway or ListenerSet that does not exist",
    "A parentRef to a missing parent attaches nowhere, and no controller writes status for it.",
    "Fix the parentRef's name and namespace (the namespace defaults to the Route's).",
)
ROUTE_NO_MATCHING_PARENT = _check(
    "gateway-route-no-matching-parent",
    Severity.FAIL,
    "Route parentRef sectionName/port matches no listener",
    "sectionName selects the listener of that name and port the listeners on that port of the "
    "direct parent; with none the Route is not accepted (NoMatchingParent). A Gateway "
    "parentRef never reaches listeners of the Gateway's ListenerSets.",
    "Set sectionName to a listener name of the parent (or kind: ListenerSet for a ListenerSet "
    "listener), or drop sectionName/port.",
)
ROUTE_NOT_ALLOWED = _check(
    "gateway-route-not-allowed",
    Severity.FAIL,
    "No listener allows the Route (namespace or kind)",
    "Listeners admit Routes by allowedRoutes.namespaces (default from: Same, the listener's "
    "own namespace) and allowedRoutes.kinds (by default the kinds its protocol carries). A "
    "Route no listener admits is not accepted (NotAllowedByListeners).",
    "Allow the Route's namespace on the listener (from: All, or Selector with a label of the "
    "namespace), or move the Route.",
)
ROUTE_HOSTNAME_MISMATCH = _check(
    "gateway-route-hostname-mismatch",
    Severity.FAIL,
    "No Route hostname intersects a listener hostname",
    "When both a listener and a Route set hostnames they must intersect (a wildcard matches "
    "one or more labels); otherwise the Route is not accepted (NoMatchingListenerHostname) "
    "and attaches nowhere.",
    "Add a hostname the listener serves to spec.hostnames, or attach to a listener for the "
    "hostname.",
)
ROUTE_HOSTNAME_IGNORED = _check(
    "gateway-route-hostname-ignored",
    Severity.WARN,
    "A Route hostname is served by none of its listeners",
    "Route hostnames that do not intersect the listener's hostname are ignored, so requests "
    "for that name never reach the Route through this parent.",
    "Remove the hostname, or attach the Route to a listener that serves it.",
)
ROUTE_KIND_CONFLICT = _check(
    "gateway-route-kind-conflict",
    Severity.FAIL,
    "HTTPRoute and GRPCRoute claim the same hostname on a listener",
    "An HTTPRoute and a GRPCRoute with intersecting hostnames cannot share a listener: only "
    "the older (then the first by namespace/name) is accepted, the other gets Accepted=False.",
    "Give the Routes distinct hostnames, or attach them to different listeners.",
)
ROUTE_PARENT_NOT_ACCEPTED = _check(
    "gateway-route-parent-not-accepted",
    Severity.FAIL,
    "Route attaches to a ListenerSet its Gateway does not accept",
    "A ListenerSet's listeners exist only while its Gateway accepts it; a Route attached to a "
    "rejected ListenerSet serves nothing.",
    "Make the Gateway accept the ListenerSet (spec.allowedListeners), or attach the Route to "
    "the Gateway.",
)
ROUTE_ATTACHMENT_UNKNOWN = _check(
    "gateway-route-attachment-unknown",
    Severity.INFO,
    "Whether a listener admits the Route is unknown",
    "The listener admits Routes by a namespace selector and the labels of the Route's "
    "namespace are unknown.",
    "Run against the cluster (or include the Namespace objects) so the labels can be read.",
)
ROUTE_UNSUPPORTED_PARENT = _check(
    "gateway-route-unsupported-parent",
    Severity.INFO,
    "Route parent is not a Gateway or ListenerSet",
    "A Service parentRef is a mesh (GAMMA) route, other kinds are implementation-specific; "
    "neither is followed here.",
    "Nothing to do if intended.",
)
ROUTE_STATUS_REJECTED = _check(
    "gateway-route-status-rejected",
    Severity.FAIL,
    "The controller reports the Route as not accepted or not resolved",
    "status.parents[].conditions as the controller wrote them: Accepted=False (the Route is not "
    "attached to that parent) or ResolvedRefs=False (some backendRef is invalid: its share of "
    "requests gets 500).",
    "Read the condition's reason and message and fix what it names.",
)
ROUTE_STATUS_DISAGREES = _check(
    "gateway-route-status-disagrees",
    Severity.WARN,
    "The Route's status disagrees with the specification",
    "The Accepted or ResolvedRefs condition the controller wrote differs from what the "
    "specification predicts from the objects (its status, or a reason of the specification "
    "other than the predicted one), or it is stale (observedGeneration behind "
    "metadata.generation).",
    "If the status is stale, check that the controller runs; otherwise read the controller's "
    "documentation for the difference.",
)
ROUTE_STATUS_MISSING = _check(
    "gateway-route-status-missing",
    Severity.WARN,
    "No controller has written status for the Route's parent",
    "The controller of an existing Gateway writes a status.parents entry for every Route that "
    "references it. None means the controller is not running, does not see the Route, or the "
    "parentRef differs from what it expects.",
    "Check the Gateway's controller and the parentRef.",
)
ROUTE_REGEX = _check(
    "gateway-route-regex",
    Severity.INFO,
    "Route uses RegularExpression matching",
    "RegularExpression path, header, query and gRPC method matches are implementation-specific: "
    "the dialect (RE2, PCRE, POSIX) and, for paths, their precedence against other matches "
    "depend on the controller.",
    "Prefer Exact or PathPrefix where portable behaviour matters.",
)

# ---------------------------------------------------------------- backends

BACKEND_NOT_FOUND = _check(
    "gateway-backend-not-found",
    Severity.FAIL,
    "backendRef names a Service that does not exist",
    "ResolvedRefs=False (BackendNotFound); requests the rule would send to it get 500.",
    "Create the Service or fix the backendRef's name and namespace.",
)
BACKEND_NOT_PERMITTED = _check(
    "gateway-backend-ref-not-permitted",
    Severity.FAIL,
    "backendRef to another namespace without a ReferenceGrant",
    "A backendRef to a Service in another namespace is valid only if a ReferenceGrant in the "
    "Service's namespace allows the Route kind from the Route's namespace; otherwise "
    "ResolvedRefs=False (RefNotPermitted) and its share of requests gets 500.",
    "Apply the ReferenceGrant shown in the hint in the Service's namespace.",
)
BACKEND_INVALID_KIND = _check(
    "gateway-backend-invalid-kind",
    Severity.FAIL,
    "backendRef is not a Service",
    "Core support is for Services; other kinds are implementation-specific, and controllers "
    "that do not support them set ResolvedRefs=False (InvalidKind) and answer 500.",
    "Point the backendRef at a Service.",
)
BACKEND_PORT_MISSING = _check(
    "gateway-backend-port-missing",
    Severity.FAIL,
    "Service backendRef without port",
    "A backendRef to a Service must set port (the Service port, not the targetPort); the API "
    "server rejects it otherwise.",
    "Set the backendRef's port.",
)
BACKEND_PORT_UNKNOWN = _check(
    "gateway-backend-port-unknown",
    Severity.FAIL,
    "backendRef port is not a port of the Service",
    "backendRef.port is the Service's spec.ports[].port, not the targetPort; with no such port "
    "there is no upstream and its share of requests fails (500).",
    "Set the backendRef's port to one of the Service's ports.",
)
BACKEND_EXTERNAL_NAME = _check(
    "gateway-backend-external-name",
    Severity.WARN,
    "backendRef is an ExternalName Service",
    "ExternalName Services have implementation-specific support (implementations SHOULD NOT "
    "support them, CVE-2021-25740): the request may fail or reach the external name.",
    "Use a Service with endpoints, or check the controller's documentation.",
)
BACKEND_GRANT_UNKNOWN = _check(
    "gateway-backend-grant-unknown",
    Severity.INFO,
    "Cross-namespace backendRef not checked",
    "ReferenceGrants could not be read, so whether the cross-namespace backendRef is permitted "
    "is unknown.",
    "Grant 'list' on referencegrants.gateway.networking.k8s.io.",
)
BACKEND_UNCHECKED = _check(
    "gateway-backend-unchecked",
    Severity.INFO,
    "backendRef of an implementation-specific kind not checked",
    "A ServiceImport (multi-cluster) or another supported kind is resolved by the controller "
    "alone.",
    "Nothing to do if the controller supports it.",
)
RULE_NO_BACKENDS = _check(
    "gateway-rule-no-backends",
    Severity.FAIL,
    "Route rule has no backendRefs",
    "A rule without backendRefs and without a filter that answers (RequestRedirect) sends "
    "matching requests nowhere: the Gateway answers 500 (conformance HTTPRouteNoBackendRefs).",
    "Add backendRefs to the rule, or a RequestRedirect filter.",
)
RULE_ZERO_WEIGHTS = _check(
    "gateway-rule-zero-weights",
    Severity.FAIL,
    "Every backendRef of a rule has weight 0",
    "Weight 0 means no traffic for that backendRef; when all are 0 no backend may receive the "
    "rule's requests. The specification names no status for this case; 500 is predicted as "
    "for a rule without usable backends (some implementations answer 503).",
    "Give at least one backendRef a weight above 0.",
)
BACKEND_WEIGHT_ZERO = _check(
    "gateway-backend-weight-zero",
    Severity.INFO,
    "backendRef with weight 0",
    "A backendRef with weight 0 receives no traffic (a drained canary, for example).",
    "Nothing to do if intended.",
)

# ---------------------------------------------------------------- a request (route URL)

URL_NO_GATEWAY = _check(
    "gateway-url-no-gateway",
    Severity.FAIL,
    "No Gateway listens on the URL's port and scheme",
    "Only Gateways with an HTTP listener (http URLs) or an HTTPS listener (https URLs) on the "
    "URL's port can receive it.",
    "Use the port and scheme a listener declares, or add a listener.",
)
URL_NO_LISTENER = _check(
    "gateway-url-no-listener",
    Severity.FAIL,
    "No listener of the Gateway takes the URL's host",
    "A listener takes a request when its hostname matches the Host (exact, then the most "
    "specific wildcard, then a listener without hostname); with none the Gateway answers 404. "
    "A listener that is not accepted (conflicted, invalid) takes nothing.",
    "Use a host a listener serves (curl -H 'Host: NAME'), or add a listener for the host.",
)
URL_NO_MATCH = _check(
    "gateway-url-no-match",
    Severity.FAIL,
    "No Route rule matches the request",
    "Among the Routes attached to the listener that takes the request, no rule matches its "
    "hostname, path (Exact equality; PathPrefix by whole '/' elements), method, headers and "
    "query; the Gateway answers 404 (gRPC: UNIMPLEMENTED). Routes of other listeners are "
    "never consulted (listener isolation).",
    "Add a rule that matches, or send the request the closest rule expects.",
)
URL_SERVER_ERROR = _check(
    "gateway-url-server-error",
    Severity.FAIL,
    "The matching rule answers 500",
    "The rule that wins has no usable backend: no backendRefs, every weight 0, or every "
    "backendRef invalid (missing Service or port, cross-namespace without ReferenceGrant, "
    "unsupported kind). The specification requires 500 (gRPC: UNAVAILABLE).",
    "Fix the backendRefs of the winning rule as the message says.",
)
URL_PARTIAL_ERROR = _check(
    "gateway-url-partial-error",
    Severity.WARN,
    "A share of the requests gets 500",
    "Some backendRefs of the winning rule are invalid: the requests their weights would send "
    "there get 500, the rest reaches the valid backends.",
    "Fix or remove the invalid backendRefs.",
)
URL_REDIRECT = _check(
    "gateway-url-redirect",
    Severity.INFO,
    "The matching rule redirects",
    "A RequestRedirect filter answers with a redirect instead of forwarding.",
    "Nothing to do if intended.",
)
URL_UNCERTAIN = _check(
    "gateway-url-implementation-specific",
    Severity.WARN,
    "The answer depends on implementation-specific behaviour",
    "A RegularExpression match, an ExtensionRef filter or a reference that could not be "
    "checked decides the result; the controller may pick another rule or answer differently.",
    "Check with the controller's documentation, or probe the Gateway address.",
)
URL_NOT_SERVED = _check(
    "gateway-url-not-served",
    Severity.FAIL,
    "The Gateway that would answer is not programmed",
    "The Gateway's class is missing or not accepted by a controller, so nothing listens on its "
    "behalf however well its Routes match.",
    "Fix the GatewayClass (see gateway-class-missing / gateway-class-not-accepted).",
)
URL_ROUTED = _check(
    "gateway-url-routed",
    Severity.OK,
    "Rule and backends for the URL",
    "Which listener, Route rule and backends answer the URL, and why the other rules lose.",
    "Nothing to do.",
)

CHECKS = (
    CLASS_MISSING,
    CLASS_NOT_ACCEPTED,
    CLASS_UNKNOWN,
    GATEWAY_NOT_ACCEPTED,
    GATEWAY_NOT_PROGRAMMED,
    GATEWAY_NO_ADDRESS,
    GATEWAY_STATUS_UNKNOWN,
    GATEWAY_STATUS_DISAGREES,
    LISTENER_INVALID,
    LISTENER_PROTOCOL,
    LISTENER_KINDS,
    LISTENER_CONFLICTED,
    LISTENER_OVERLAP,
    LISTENER_SECRET_MISSING,
    LISTENER_REF_NOT_PERMITTED,
    LISTENER_REF_KIND,
    LISTENER_GRANT_UNKNOWN,
    LISTENER_SELECTOR_MISSING,
    LISTENER_SEVERAL_CERTS,
    LISTENER_STATUS,
    LISTENERSET_NOT_ALLOWED,
    LISTENERSET_PARENT,
    LISTENERSET_UNKNOWN,
    ROUTE_INVALID,
    ROUTE_NO_PARENT,
    ROUTE_PARENT_MISSING,
    ROUTE_NO_MATCHING_PARENT,
    ROUTE_NOT_ALLOWED,
    ROUTE_HOSTNAME_MISMATCH,
    ROUTE_HOSTNAME_IGNORED,
    ROUTE_KIND_CONFLICT,
    ROUTE_PARENT_NOT_ACCEPTED,
    ROUTE_ATTACHMENT_UNKNOWN,
    ROUTE_UNSUPPORTED_PARENT,
    ROUTE_STATUS_REJECTED,
    ROUTE_STATUS_DISAGREES,
    ROUTE_STATUS_MISSING,
    ROUTE_REGEX,
    BACKEND_NOT_FOUND,
    BACKEND_NOT_PERMITTED,
    BACKEND_INVALID_KIND,
    BACKEND_PORT_MISSING,
    BACKEND_PORT_UNKNOWN,
    BACKEND_EXTERNAL_NAME,
    BACKEND_GRANT_UNKNOWN,
    BACKEND_UNCHECKED,
    RULE_NO_BACKENDS,
    RULE_ZERO_WEIGHTS,
    BACKEND_WEIGHT_ZERO,
    URL_NO_GATEWAY,
    URL_NO_LISTENER,
    URL_NO_MATCH,
    URL_SERVER_ERROR,
    URL_PARTIAL_ERROR,
    URL_REDIRECT,
    URL_UNCERTAIN,
    URL_NOT_SERVED,
    URL_ROUTED,
)
