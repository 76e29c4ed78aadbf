// Package fakekubelet serves the small part of the kubelet API that the
// kubectl-discover test cluster needs from its KWOK-simulated nodes: exec
// (with stdin, stdout, stderr and exit codes), container logs (always empty)
// and a health endpoint.
//
// An exec runs the requested command as a local process. Before the command
// starts, a helper (see RunPodInit) enters a private mount namespace and
// bind-mounts the pod's resolv.conf over /etc/resolv.conf, so the command sees
// DNS the way a process in a real pod would. That file follows the pod's
// dnsPolicy and dnsConfig, computed by the upstream kubelet's DNS configurer.
package fakekubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// Config holds the server settings taken from the command line.
type Config struct {
	Listen        string
	CertFile      string
	KeyFile       string
	ClientCAFile  string
	ResolvDir     string
	Nameserver    string
	ClusterDomain string
	WorkDir       string
	// Kubeconfig lets the server read the pod of an exec, whose dnsPolicy and
	// dnsConfig decide its resolv.conf (see dns.go).
	Kubeconfig     string
	NodeResolvConf string
}

// Main parses args and runs the server until it fails.
func Main(args []string) int {
	cfg, err := parseFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := serve(cfg); err != nil {
		log.Printf("fake kubelet: %v", err)
		return 1
	}
	return 0
}

func parseFlags(args []string) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("kubelet", flag.ContinueOnError)
	fs.StringVar(&cfg.Listen, "listen", "0.0.0.0:10250", "address to serve the kubelet API on")
	fs.StringVar(&cfg.CertFile, "tls-cert-file", "", "serving certificate (PEM)")
	fs.StringVar(&cfg.KeyFile, "tls-private-key-file", "", "serving key (PEM)")
	fs.StringVar(&cfg.ClientCAFile, "client-ca-file", "", "CA that must have signed client certificates")
	fs.StringVar(&cfg.ResolvDir, "resolv-dir", "", "directory for the generated per-namespace resolv.conf files")
	fs.StringVar(&cfg.Nameserver, "nameserver", "10.96.0.10", "cluster DNS server written into resolv.conf")
	fs.StringVar(&cfg.ClusterDomain, "cluster-domain", "cluster.local", "cluster DNS domain")
	fs.StringVar(&cfg.WorkDir, "workdir", "/", "working directory of exec'd commands")
	fs.StringVar(&cfg.Kubeconfig, "kubeconfig", "", "kubeconfig to read pods with (their DNS settings)")
	fs.StringVar(&cfg.NodeResolvConf, "node-resolv-conf", "", "the nodes' resolv.conf (base of dnsPolicy Default)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.CertFile == "" || cfg.KeyFile == "" || cfg.ClientCAFile == "" || cfg.ResolvDir == "" ||
		cfg.Kubeconfig == "" || cfg.NodeResolvConf == "" {
		return cfg, errors.New("--tls-cert-file, --tls-private-key-file, --client-ca-file, --resolv-dir, " +
			"--kubeconfig and --node-resolv-conf are required")
	}
	return cfg, nil
}

func serve(cfg Config) error {
	caPEM, err := os.ReadFile(cfg.ClientCAFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("no certificates in %s", cfg.ClientCAFile)
	}
	if err := os.MkdirAll(cfg.ResolvDir, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dns, err := newPodDNS(context.Background(), cfg.Kubeconfig, cfg)
	if err != nil {
		return err
	}
	k := &kubelet{cfg: cfg, self: self, dns: dns}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/exec/", k.handleExec)
	mux.HandleFunc("/containerLogs/", handleLogs)
	srv := &http.Server{
		Addr:    cfg.Listen,
		Handler: mux,
		TLSConfig: &tls.Config{
			ClientCAs:  pool,
			ClientAuth: tls.VerifyClientCertIfGiven,
			MinVersion: tls.VersionTLS12,
		},
		ReadHeaderTimeout: 30 * time.Second,
	}
	log.Printf("fake kubelet listening on %s", cfg.Listen)
	return srv.ListenAndServeTLS(cfg.CertFile, cfg.KeyFile)
}

// podRef names a container addressed by a kubelet URL.
type podRef struct {
	Namespace, Pod, Container string
}

// parsePodPath splits "/<prefix>/<ns>/<pod>[/<uid>]/<container>".
func parsePodPath(path, prefix string) (podRef, error) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(path, prefix), "/"), "/")
	switch len(parts) {
	case 3:
		return podRef{parts[0], parts[1], parts[2]}, nil
	case 4:
		return podRef{parts[0], parts[1], parts[3]}, nil
	}
	return podRef{}, fmt.Errorf("malformed path %q", path)
}

// requireClient rejects requests without a verified client certificate.
func requireClient(w http.ResponseWriter, r *http.Request) bool {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		http.Error(w, "client certificate required", http.StatusUnauthorized)
		return false
	}
	return true
}

func handleLogs(w http.ResponseWriter, r *http.Request) {
	if !requireClient(w, r) {
		return
	}
	// Fake containers write nothing; an empty log is the honest answer.
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
}

type kubelet struct {
	cfg  Config
	self string
	dns  *podDNS
}

func (k *kubelet) handleExec(w http.ResponseWriter, r *http.Request) {
	if !requireClient(w, r) {
		return
	}
	ref, err := parsePodPath(r.URL.Path, "/exec/")
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		http.Error(w, "no command given", http.StatusBadRequest)
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	log.Printf("exec %s/%s/%s: %q", ref.Namespace, ref.Pod, ref.Container, cmd)
	remotecommand.ServeExec(w, r, &executor{k: k, ref: ref}, ref.Pod, "", ref.Container, cmd, opts,
		4*time.Hour, 30*time.Second, remotecommand.SupportedStreamingProtocols)
}

type executor struct {
	k   *kubelet
	ref podRef
}

// ExecInContainer implements remotecommand.Executor by running the command
// locally through the pod-init helper.
func (e *executor) ExecInContainer(ctx context.Context, _ string, _ string, _ string, cmd []string,
	in io.Reader, out, errOut io.WriteCloser, _ bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	if resize != nil {
		go func() {
			for range resize { //nolint:revive // no terminal to resize
			}
		}()
	}
	resolv, err := e.k.dns.resolvConf(ctx, e.k.cfg.ResolvDir, e.ref.Namespace, e.ref.Pod)
	if err != nil {
		return fmt.Errorf("resolv.conf of pod %s/%s: %w", e.ref.Namespace, e.ref.Pod, err)
	}
	args := append([]string{"pod-init", "--resolv-conf", resolv, "--"}, cmd...)
	c := exec.CommandContext(ctx, e.k.self, args...)
	c.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS, Setsid: true}
	c.Dir = e.k.cfg.WorkDir
	c.Env = append(os.Environ(),
		"HOSTNAME="+e.ref.Pod,
		"KUBERNETES_SERVICE_HOST=10.96.0.1",
		"KUBERNETES_SERVICE_PORT=443",
		"KD_POD_NAMESPACE="+e.ref.Namespace,
		"KD_POD_NAME="+e.ref.Pod,
	)
	c.Stdout, c.Stderr = writerOrNil(out), writerOrNil(errOut)
	c.WaitDelay = 5 * time.Second
	var stdin io.WriteCloser
	if in != nil {
		if stdin, err = c.StdinPipe(); err != nil {
			return err
		}
	}
	if err := c.Start(); err != nil {
		return err
	}
	if stdin != nil {
		// Close the pipe at the end of the client's stdin so the command sees
		// EOF, exactly like a container runtime does.
		go func() {
			_, _ = io.Copy(stdin, in)
			_ = stdin.Close()
		}()
	}
	return exitError(c.Wait())
}

// writerOrNil avoids handing exec a typed nil writer.
func writerOrNil(w io.WriteCloser) io.Writer {
	if w == nil {
		return nil
	}
	return w
}

// exitError converts a process exit status into the error type the
// streaming library reports as "command terminated with exit code N".
func exitError(err error) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	code := ee.ExitCode()
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal()) // the shell convention runtimes use
	}
	return utilexec.CodeExitError{Err: err, Code: code}
}
