package fakekubelet

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	kubeletdns "k8s.io/kubernetes/pkg/kubelet/network/dns"
)

// podDNS computes a pod's resolver configuration with the upstream kubelet's own
// DNS configurer (pkg/kubelet/network/dns), so dnsPolicy (ClusterFirst,
// ClusterFirstWithHostNet, Default, None) and dnsConfig (nameservers, searches,
// options such as ndots) give exactly what a real kubelet hands its runtime.
type podDNS struct {
	client        kubernetes.Interface
	recorder      record.EventRecorderLogger
	clusterDNS    []net.IP
	clusterDomain string
	// The node's resolv.conf: the base for dnsPolicy Default and for the
	// search path the kubelet appends under ClusterFirst.
	nodeResolvConf string
}

func newPodDNS(ctx context.Context, kubeconfig string, cfg Config) (*podDNS, error) {
	restConfig, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return nil, err
	}
	ip := net.ParseIP(cfg.Nameserver)
	if ip == nil {
		return nil, fmt.Errorf("--nameserver %q is not an IP address", cfg.Nameserver)
	}
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	recorder := broadcaster.NewRecorder(scheme.Scheme, v1.EventSource{Component: "kubelet"})
	return &podDNS{
		client:         client,
		recorder:       recorder,
		clusterDNS:     []net.IP{ip},
		clusterDomain:  cfg.ClusterDomain,
		nodeResolvConf: cfg.NodeResolvConf,
	}, nil
}

// resolvConf writes the resolv.conf of pod namespace/name into dir and returns its path.
func (d *podDNS) resolvConf(ctx context.Context, dir, namespace, name string) (string, error) {
	pod, err := d.client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	node := &v1.ObjectReference{Kind: "Node", Name: pod.Spec.NodeName, UID: "", Namespace: ""}
	configurer := kubeletdns.NewConfigurer(d.recorder, node, nil, d.clusterDNS, d.clusterDomain, d.nodeResolvConf)
	config, err := configurer.GetPodDNS(ctx, pod)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("pod_%s_%s_%s.conf", namespace, name, pod.UID))
	return path, writeIfChanged(path, formatResolvConf(config))
}

// formatResolvConf renders a CRI DNSConfig as resolv.conf, in the order
// container runtimes write it: search, nameserver lines, options.
func formatResolvConf(config *runtimeapi.DNSConfig) string {
	var b strings.Builder
	if len(config.Searches) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(config.Searches, " "))
	}
	for _, server := range config.Servers {
		fmt.Fprintf(&b, "nameserver %s\n", server)
	}
	if len(config.Options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(config.Options, " "))
	}
	return b.String()
}

func writeIfChanged(path, content string) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == content {
		return nil
	}
	tmp := path + fmt.Sprintf(".%d.tmp", os.Getpid())
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
