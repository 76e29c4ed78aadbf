// Command k8s is a multi-call binary for the kubectl-discover test cluster.
//
// The first argument selects the upstream component to run; every component
// runs in its own process so that process-global state (signal handlers,
// feature gates, logging) is never shared between them.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"

	"kubectl-discover.invalid/testcluster/internal/fakekubelet"
)

const usage = "usage: k8s {etcd|apiserver|controller-manager|scheduler|proxy|real-kubelet|kubelet|pod-init} [flags]"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	component, rest := os.Args[1], os.Args[2:]
	switch component {
	case "etcd":
		// etcdmain parses os.Args itself and expects the program name first.
		etcdmain.Main(append([]string{"etcd"}, rest...))
	case "apiserver":
		runCobra(apiserver.NewAPIServerCommand(), rest)
	case "controller-manager":
		runCobra(controllermanager.NewControllerManagerCommand(), rest)
	case "scheduler":
		runCobra(scheduler.NewSchedulerCommand(), rest)
	case "proxy":
		// The real kube-proxy; the harness runs it inside the cluster's
		// network namespace, so the rules it programs are that namespace's.
		runCobra(proxy.NewProxyCommand(), rest)
	case "real-kubelet":
		// The upstream kubelet, for the real nodes (containerd + runc + CNI).
		runCobra(kubelet.NewKubeletCommand(context.Background()), rest)
	case "kubelet":
		// Not the upstream kubelet: a stand-in serving exec and logs for
		// KWOK's fake nodes (see internal/fakekubelet).
		os.Exit(fakekubelet.Main(rest))
	case "pod-init":
		os.Exit(fakekubelet.RunPodInit(rest))
	default:
		fmt.Fprintf(os.Stderr, "unknown component %q\n%s\n", component, usage)
		os.Exit(2)
	}
}

// runCobra runs an upstream component command with the given arguments and
// exits with its status.
func runCobra(cmd *cobra.Command, args []string) {
	cmd.SetArgs(args)
	os.Exit(cli.Run(cmd))
}
