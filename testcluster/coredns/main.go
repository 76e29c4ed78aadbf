// Command coredns is a slim CoreDNS build for the kubectl-discover test
// cluster: it links only the plugins the harness Corefiles use, which keeps
// the dependency graph (and the build) far smaller than the full release.
package main

import (
	"github.com/coredns/coredns/coremain"

	// Plugins used by the harness Corefiles. Each registers itself in init.
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() {
	coremain.Run()
}
