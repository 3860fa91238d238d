// SPDX-License-Identifier: Apache-2.0

package clusterip

/*
#include <clusterip/clusterip.h>
*/
import "C"

import (
	"fmt"
	"net/netip"
)

// Protocol is a port protocol (enum cip_protocol).
type Protocol int

// Protocols.
const (
	TCP  Protocol = C.CIP_PROTO_TCP
	UDP  Protocol = C.CIP_PROTO_UDP
	SCTP Protocol = C.CIP_PROTO_SCTP
)

// String gives "TCP", "UDP" or "SCTP".
func (p Protocol) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	case SCTP:
		return "SCTP"
	}
	return fmt.Sprintf("Protocol(%d)", int(p))
}

// ServiceType is a Service's type (enum cip_service_type).
type ServiceType int

// Service types; the zero value means ClusterIP.
const (
	ServiceClusterIP    ServiceType = C.CIP_SERVICE_CLUSTER_IP
	ServiceNodePort     ServiceType = C.CIP_SERVICE_NODE_PORT
	ServiceLoadBalancer ServiceType = C.CIP_SERVICE_LOAD_BALANCER
	ServiceExternalName ServiceType = C.CIP_SERVICE_EXTERNAL_NAME
)

// SessionAffinity is a Service's sessionAffinity (enum cip_session_affinity).
type SessionAffinity int

// Session affinities; the zero value means None.
const (
	AffinityNone     SessionAffinity = C.CIP_AFFINITY_NONE
	AffinityClientIP SessionAffinity = C.CIP_AFFINITY_CLIENT_IP
)

// Kubernetes' default and largest ClientIP affinity timeouts, in seconds.
const (
	AffinityTimeoutDefault = C.CIP_AFFINITY_TIMEOUT_DEFAULT
	AffinityTimeoutMax     = C.CIP_AFFINITY_TIMEOUT_MAX
)

// TrafficPolicy is an internalTrafficPolicy (enum cip_traffic_policy).
type TrafficPolicy int

// Traffic policies; the zero value means Cluster.
const (
	TrafficCluster TrafficPolicy = C.CIP_TRAFFIC_CLUSTER
	TrafficLocal   TrafficPolicy = C.CIP_TRAFFIC_LOCAL
)

// TrafficDistribution says which topology hints the endpoints of a
// service's pods carry (enum cip_traffic_distribution).
type TrafficDistribution int

// Traffic distributions.
const (
	DistributionNone     TrafficDistribution = C.CIP_DISTRIBUTION_NONE
	DistributionSameZone TrafficDistribution = C.CIP_DISTRIBUTION_SAME_ZONE
	DistributionSameNode TrafficDistribution = C.CIP_DISTRIBUTION_SAME_NODE
)

// Conditions are EndpointSlice endpoint conditions, a bit set.
type Conditions uint

// Endpoint conditions.
const (
	Ready       Conditions = C.CIP_EP_READY
	Serving     Conditions = C.CIP_EP_SERVING
	Terminating Conditions = C.CIP_EP_TERMINATING
)

// LBPolicy is a load-balancing policy (enum cip_lb_policy).
type LBPolicy int

// Load-balancing policies; LBDefault makes a service use the table's.
const (
	LBDefault             LBPolicy = C.CIP_LB_DEFAULT
	LBRoundRobin          LBPolicy = C.CIP_LB_ROUND_ROBIN
	LBRoundRobinPerThread LBPolicy = C.CIP_LB_ROUND_ROBIN_PER_THREAD
	LBRandom              LBPolicy = C.CIP_LB_RANDOM
	LBMaglev              LBPolicy = C.CIP_LB_MAGLEV
	LBWeightedRoundRobin  LBPolicy = C.CIP_LB_WEIGHTED_ROUND_ROBIN
)

// BackendCategory says which endpoints a backend was chosen from (enum
// cip_backend_category).
type BackendCategory int

// Backend categories.
const (
	CategoryReady            BackendCategory = C.CIP_CATEGORY_READY
	CategorySameNode         BackendCategory = C.CIP_CATEGORY_SAME_NODE
	CategorySameZone         BackendCategory = C.CIP_CATEGORY_SAME_ZONE
	CategoryTerminating      BackendCategory = C.CIP_CATEGORY_TERMINATING
	CategoryLocal            BackendCategory = C.CIP_CATEGORY_LOCAL
	CategoryLocalTerminating BackendCategory = C.CIP_CATEGORY_LOCAL_TERMINATING
)

// EndpointsReason says why a service has no ready endpoints (enum
// cip_endpoints_reason).
type EndpointsReason int

// Endpoints reasons.
const (
	EndpointsOK            EndpointsReason = C.CIP_EPS_OK
	EndpointsNoSelector    EndpointsReason = C.CIP_EPS_NO_SELECTOR
	EndpointsNoMatchingPod EndpointsReason = C.CIP_EPS_NO_MATCHING_POD
	EndpointsNoPodIP       EndpointsReason = C.CIP_EPS_NO_POD_IP
	EndpointsNoNamedPort   EndpointsReason = C.CIP_EPS_NO_NAMED_PORT
	EndpointsNoneReady     EndpointsReason = C.CIP_EPS_NONE_READY
	EndpointsExternalName  EndpointsReason = C.CIP_EPS_EXTERNAL_NAME
)

// SpecField names the field a SpecError is about (enum cip_spec_field).
type SpecField int

// Spec fields.
const (
	FieldNone                SpecField = C.CIP_FIELD_NONE
	FieldNamespace           SpecField = C.CIP_FIELD_NAMESPACE
	FieldName                SpecField = C.CIP_FIELD_NAME
	FieldType                SpecField = C.CIP_FIELD_TYPE
	FieldPorts               SpecField = C.CIP_FIELD_PORTS
	FieldPortName            SpecField = C.CIP_FIELD_PORT_NAME
	FieldPortProtocol        SpecField = C.CIP_FIELD_PORT_PROTOCOL
	FieldPort                SpecField = C.CIP_FIELD_PORT
	FieldTargetPort          SpecField = C.CIP_FIELD_TARGET_PORT
	FieldNodePort            SpecField = C.CIP_FIELD_NODE_PORT
	FieldSelector            SpecField = C.CIP_FIELD_SELECTOR
	FieldClusterIPs          SpecField = C.CIP_FIELD_CLUSTER_IPS
	FieldIPFamilyPolicy      SpecField = C.CIP_FIELD_IP_FAMILY_POLICY
	FieldSessionAffinity     SpecField = C.CIP_FIELD_SESSION_AFFINITY
	FieldAffinityTimeout     SpecField = C.CIP_FIELD_AFFINITY_TIMEOUT
	FieldTrafficPolicy       SpecField = C.CIP_FIELD_TRAFFIC_POLICY
	FieldExternalName        SpecField = C.CIP_FIELD_EXTERNAL_NAME
	FieldLabels              SpecField = C.CIP_FIELD_LABELS
	FieldPodIPs              SpecField = C.CIP_FIELD_POD_IPS
	FieldNodeName            SpecField = C.CIP_FIELD_NODE_NAME
	FieldZone                SpecField = C.CIP_FIELD_ZONE
	FieldHostname            SpecField = C.CIP_FIELD_HOSTNAME
	FieldConditions          SpecField = C.CIP_FIELD_CONDITIONS
	FieldEndpoints           SpecField = C.CIP_FIELD_ENDPOINTS
	FieldEndpointAddress     SpecField = C.CIP_FIELD_ENDPOINT_ADDRESS
	FieldTrafficDistribution SpecField = C.CIP_FIELD_TRAFFIC_DISTRIBUTION
	FieldLBPolicy            SpecField = C.CIP_FIELD_LB_POLICY
	FieldWeight              SpecField = C.CIP_FIELD_WEIGHT
)

// DNSType is a DNS record type (enum cip_dns_type, the RFC 1035 numbers).
type DNSType int

// DNS record types.
const (
	DNSA     DNSType = C.CIP_DNS_A
	DNSCNAME DNSType = C.CIP_DNS_CNAME
	DNSPTR   DNSType = C.CIP_DNS_PTR
	DNSTXT   DNSType = C.CIP_DNS_TXT
	DNSAAAA  DNSType = C.CIP_DNS_AAAA
	DNSSRV   DNSType = C.CIP_DNS_SRV
	DNSANY   DNSType = C.CIP_DNS_ANY
)

// DNSSchemaVersion is the DNS schema version served at dns-version.<zone>.
const DNSSchemaVersion = C.CIP_DNS_SCHEMA_VERSION

// Limits of one spec.
const (
	MaxServicePorts = C.CIP_TABLE_MAX_PORTS
	MaxLabels       = C.CIP_TABLE_MAX_LABELS
)

// Label is a label or selector term, Key=Value.
type Label struct {
	Key, Value string
}

// NamedPort is a container port of a pod, or a port of explicit endpoints.
type NamedPort struct {
	Name     string // an IANA service name; "" for none
	Protocol Protocol
	Port     uint16
}

// ServicePort is one port of a Service (cip_service_port).
type ServicePort struct {
	Name           string   // required and unique with several ports; "" for none
	Protocol       Protocol // 0: TCP
	Port           uint16
	TargetPort     uint16 // 0: the same as Port (unless TargetPortName)
	TargetPortName string // a container port name instead of TargetPort
	NodePort       uint16 // NodePort/LoadBalancer: 0 allocates one
}

// ServiceSpec is a Service as CreateService and UpdateService take it
// (cip_service_spec). Zero fields take the Kubernetes defaults.
type ServiceSpec struct {
	Namespace, Name          string
	Type                     ServiceType // 0: ClusterIP
	Ports                    []ServicePort
	Selector                 []Label        // none: no selector
	Headless                 bool           // clusterIP "None"
	ClusterIPs               []netip.Addr   // requested; none: allocate
	IPFamilyPolicy           IPFamilyPolicy // 0: SingleStack
	SessionAffinity          SessionAffinity
	AffinityTimeout          uint32 // seconds; 0: 10800
	InternalTrafficPolicy    TrafficPolicy
	ExternalName             string // ExternalName services only
	PublishNotReadyAddresses bool
	TrafficDistribution      TrafficDistribution
	LBPolicy                 LBPolicy // 0: the table's
}

// PodSpec is a pod as ApplyPod takes it (cip_pod_spec).
type PodSpec struct {
	Namespace, Name string
	IPs             []netip.Addr // 0..2, of different families
	Labels          []Label
	NodeName        string // "" for none
	Zone            string // "" for none
	Hostname        string // "" for none
	Ports           []NamedPort
	Conditions      Conditions
	Weight          uint32 // 0: 1
}

// EndpointSpec is one explicit endpoint of a service without a selector
// (cip_endpoint_spec); empty strings mean none.
type EndpointSpec struct {
	Addr       netip.Addr
	Conditions Conditions
	NodeName   string
	Zone       string
	Hostname   string
	HintZone   string
	HintNode   string
	Weight     uint32 // 0: 1
}

// Endpoint is one endpoint of a service port. Node and zone names are
// interned ids: Table.Name gives their text, 0 means none.
type Endpoint struct {
	Addr       netip.Addr
	Port       uint16 // the target port
	Conditions Conditions
	Node       uint32
	Zone       uint32
	HintZone   uint32
	HintNode   uint32
}

// ServiceInfo is a Service as the readers copy it out (cip_service_info).
type ServiceInfo struct {
	Namespace, Name          string
	ExternalName             string
	Type                     ServiceType
	Headless                 bool
	HasSelector              bool
	ClusterIPs               []netip.Addr // primary first
	IPFamilyPolicy           IPFamilyPolicy
	SessionAffinity          SessionAffinity
	InternalTrafficPolicy    TrafficPolicy
	PublishNotReadyAddresses bool
	TrafficDistribution      TrafficDistribution
	AffinityTimeout          uint32
	Ports                    int // the number of ports
	Endpoints                int // distinct endpoint addresses
	Generation               uint64
}

// ServicePortInfo is one port of a Service as the readers copy it out.
type ServicePortInfo struct {
	Name           string
	TargetPortName string
	Port           uint16
	TargetPort     uint16 // 0 when by name
	NodePort       uint16
	Protocol       Protocol
	Endpoints      int // endpoints for this port
	Index          int // position in the spec's ports
}

// DNSRecord is one DNS answer; names are canonical (lower case, no
// trailing dot).
type DNSRecord struct {
	Name     string
	Type     DNSType
	Target   string     // CNAME, PTR and SRV target; TXT text
	Priority uint16     // SRV
	Weight   uint16     // SRV
	Port     uint16     // SRV
	Addr     netip.Addr // A and AAAA
}

// SelectRequest is one connection to choose a backend for
// (cip_select_request).
type SelectRequest struct {
	VIP      netip.Addr // the ClusterIP (ignored with NodePort)
	Port     uint16     // the service port, or the node port
	Protocol Protocol
	NodePort bool // Port is a node port
	// ResetAffinity: the client's last connection to its affine backend
	// failed; choose again and make the new choice its affinity.
	ResetAffinity bool
	Client        netip.Addr // the invalid Addr for none
	ClientPort    uint16
	Node          uint32 // this proxy's node name id (Table.NameID); 0: none
	Zone          uint32 // this proxy's zone id; 0: none
	Now           uint64 // monotonic ns (affinity)
}

// Backend is the chosen backend of a connection (cip_backend).
type Backend struct {
	Addr       netip.Addr
	Port       uint16
	Category   BackendCategory
	Affinity   bool   // chosen by the client's session affinity
	Index      int    // position in the port's endpoints (Table.Endpoints)
	Node       uint32 // node name id
	Zone       uint32 // zone id
	Weight     uint32
	Generation uint64 // the service's generation when the port's endpoints last changed
}

// SpecError is what was wrong with a spec (cip_spec_error). It unwraps to
// the *Error of the code the call returned: ErrSpec for an invalid spec,
// ErrExist, ErrNotFound, ... for the other failures the library explains.
type SpecError struct {
	Err     *Error
	Field   SpecField
	Index   int // which port, label, address or endpoint
	Offset  int // byte offset of the first bad byte in a text
	Message string
}

func (e *SpecError) Error() string {
	if e.Message == "" {
		return e.Err.Message
	}
	return e.Message + " (" + e.Err.Message + ")"
}

// Unwrap gives the *Error, so that errors.Is matches the sentinel.
func (e *SpecError) Unwrap() error { return e.Err }
