package fakekubelet

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// RunPodInit is the first program of every exec'd command. It runs in a
// fresh, private mount namespace (the server starts it with CLONE_NEWNS),
// bind-mounts the pod namespace's resolv.conf over /etc/resolv.conf and then
// replaces itself with the requested command. It returns only on failure.
func RunPodInit(args []string) int {
	fs := flag.NewFlagSet("pod-init", flag.ContinueOnError)
	resolv := fs.String("resolv-conf", "", "file to bind-mount over /etc/resolv.conf")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cmd := fs.Args()
	if len(cmd) == 0 {
		fmt.Fprintln(os.Stderr, "pod-init: no command")
		return 2
	}
	if *resolv != "" {
		if err := syscall.Mount(*resolv, "/etc/resolv.conf", "", syscall.MS_BIND, ""); err != nil {
			fmt.Fprintf(os.Stderr, "pod-init: bind-mount %s: %v\n", *resolv, err)
			return 126
		}
	}
	path, err := exec.LookPath(cmd[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "exec: %q: executable file not found in $PATH\n", cmd[0])
		return 127
	}
	err = syscall.Exec(path, cmd, os.Environ())
	fmt.Fprintf(os.Stderr, "exec %s: %v\n", path, err)
	return 126
}
