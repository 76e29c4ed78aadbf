"""Real nodes: the upstream kubelet with containerd, runc and the CNI plugins.

Each real node (``config.REAL_NODES``) is three processes in the cluster's
network namespace, all sharing one **private mount namespace of the node**:

1. a holder (``sh``, then ``sleep``) started with ``nsenter --net=<netns>
   unshare --mount --propagation private``. Before it sleeps it bind-mounts the
   node's own directories over the host paths the components fix:
   ``/run`` (containerd's sockets, shim sockets, runc state, the pods'
   network-namespace files under ``/run/netns``, NRI), ``/var/lib`` (kubelet
   root, device-plugin socket, containerd root, CNI results and IPAM) and
   ``/var/log`` (``/var/log/pods``, ``/var/log/containers``); and files holding
   the values the kubelet wants over six host-wide sysctls
   (``vm.overcommit_memory`` ...), which it would otherwise rewrite for the
   whole machine. So nothing the node writes lands outside ``.cluster/``, and
   two nodes (or two clusters) never share those paths. Every mount lives in
   that namespace only and goes away with its last process.
2. containerd, then the kubelet, entered into the holder's namespaces with
   ``nsenter --target``. Not ``ip netns exec``: it remounts ``/sys``, which
   hides the cgroup hierarchies.

Cgroups: the kubelet's ``cgroupRoot`` is ``/<netns>-<node>`` in every
hierarchy (created here, removed at teardown leaf-first after killing
whatever is left in it), so pods of different nodes and clusters never share
a cgroup.

Pod network: a CNI ``bridge`` per node (``kd-brN``, gateway ``.1`` of the
node's pod CIDR) in the cluster namespace, ``host-local`` IPAM, ``portmap``;
no masquerading (nothing leaves the namespace, and pods keep their source
address). Pod traffic enters the namespace through the bridge, so the one
kube-proxy of the namespace (its ``PREROUTING`` rules) serves Service VIPs to
real pods as well; CoreDNS and KWOK pod addresses are local addresses of the
namespace.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from . import config as c
from . import images, pki
from .build import Binaries
from .components import Component
from .config import Layout, RealNodeSpec

#: The host-wide sysctls the kubelet sets at start (unless protectKernelDefaults,
#: which makes it fail instead) and the values it wants.
KUBELET_SYSCTLS = {
    "vm/overcommit_memory": "1",
    "vm/panic_on_oom": "0",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
    "kernel/keys/root_maxkeys": "1000000",
    "kernel/keys/root_maxbytes": "25000000",
}
#: Host directories replaced, inside the node's mount namespace, by the node's own.
PRIVATE_DIRS = {"/run": "run", "/var/lib": "var-lib", "/var/log": "var-log"}
CGROUP_FS = Path("/sys/fs/cgroup")
CONTAINERD_SOCKET = "/run/containerd/containerd.sock"


def node_dir(layout: Layout, node: RealNodeSpec) -> Path:
    return layout.nodes_dir / node.name


def cgroup_root(netns_name: str, node: RealNodeSpec) -> str:
    return f"/{netns_name}-{node.name}"


def hierarchies() -> list[Path]:
    """Mounted cgroup hierarchies (v1 controllers and the v2/unified one)."""
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        _dev, mountpoint, fstype = line.split()[:3]
        if fstype in ("cgroup", "cgroup2") and mountpoint.startswith(str(CGROUP_FS)):
            found.append(Path(mountpoint))
    return found


# --- configuration --------------------------------------------------------------------------


def containerd_config(bins: Binaries, d: Path) -> str:
    """containerd's config (version 3). Paths not set here are the defaults under
    ``/run`` and ``/var/lib``: the node's own directories (see the module doc)."""
    cri_images = "plugins.'io.containerd.cri.v1.images'"
    cri = "plugins.'io.containerd.cri.v1.runtime'"
    runc = f"{cri}.containerd.runtimes.runc"
    return f"""version = 3
# NRI is not used; its plugin would create /opt/nri and /etc/nri.
disabled_plugins = ["io.containerd.nri.v1.nri"]

[plugins.'io.containerd.internal.v1.opt']
  # default /opt/containerd, on the host
  path = "/var/lib/containerd-opt"

[{cri_images}]
  snapshotter = "overlayfs"
  [{cri_images}.pinned_images]
    sandbox = "{images.SANDBOX_IMAGE}"
  [{cri_images}.registry]
    config_path = "{d / "certs.d"}"

[{cri}]
  enable_selinux = false
  # The VM's bounding set lacks CAP_SYS_RESOURCE: runc cannot lower a sandbox's
  # oom_score_adj to -998; this clamps it to containerd's own.
  restrict_oom_score_adj = true
  [{cri}.containerd]
    default_runtime_name = "runc"
    [{runc}]
      runtime_type = "io.containerd.runc.v2"
      [{runc}.options]
        BinaryName = "{bins.runc}"
        SystemdCgroup = false
  [{cri}.cni]
    bin_dirs = ["{bins.cni}"]
    conf_dir = "{d / "cni"}"
    max_conf_num = 1
"""


def registry_hosts() -> str:
    """``certs.d/_default/hosts.toml``: every registry is the harness's, over plain HTTP.

    ``server`` replaces the upstream (no fallback to docker.io or any other host).
    """
    return (
        f'server = "http://{c.REGISTRY_ADDRESS}"\n\n'
        f'[host."http://{c.REGISTRY_ADDRESS}"]\n'
        '  capabilities = ["pull", "resolve"]\n'
    )


def cni_config(node: RealNodeSpec) -> dict[str, object]:
    return {
        "cniVersion": "1.0.0",
        "name": "kd-pods",
        "plugins": [
            {
                "type": "bridge",
                "bridge": node.bridge,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": node.pod_cidr}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


def kubelet_config(layout: Layout, node: RealNodeSpec, netns_name: str) -> dict[str, object]:
    d = node_dir(layout, node)
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        # This VM has cgroup v1 (deprecated; the kubelet refuses it unless told).
        "failCgroupV1": False,
        "failSwapOn": False,
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": cgroup_root(netns_name, node),
        "containerRuntimeEndpoint": f"unix://{CONTAINERD_SOCKET}",
        "address": node.ip,
        "port": c.REAL_KUBELET_PORT,
        "readOnlyPort": 0,
        "healthzBindAddress": node.ip,
        "healthzPort": c.REAL_KUBELET_HEALTHZ_PORT,
        "tlsCertFile": str(d / "kubelet.crt"),
        "tlsPrivateKeyFile": str(d / "kubelet.key"),
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": False},
            "x509": {"clientCAFile": str(layout.pki / "ca.crt")},
        },
        "authorization": {"mode": "AlwaysAllow"},
        "clusterDNS": [c.DNS_SERVER],
        "clusterDomain": c.CLUSTER_DOMAIN,
        # dnsPolicy Default gets this (the nodes' resolver: CoreDNS, nothing outside).
        "resolvConf": str(layout.run / "node-resolv.conf"),
        "registerWithTaints": [{"key": c.REAL_NODE_TAINT, "value": "true", "effect": "NoSchedule"}],
        # The test disk may be nearly full; evict only when really out of it.
        "evictionHard": {
            "memory.available": "1Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
            "nodefs.inodesFree": "1%",
        },
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
        "volumePluginDir": "/var/lib/kubelet/volume-plugins",  # default under /usr/libexec
        "oomScoreAdj": 0,  # no CAP_SYS_RESOURCE here (default -999)
        # KUBE-FIREWALL and the canary chains would land in the shared cluster namespace.
        "makeIPTablesUtilChains": False,
        "nodeStatusUpdateFrequency": "5s",
        "logging": {"verbosity": 2},
    }


def prepare(layout: Layout, netns_name: str, bins: Binaries) -> None:
    """Directories, configuration and serving certificates of every real node."""
    ca = pki.CertPair(layout.pki / "ca.crt", layout.pki / "ca.key")
    for node in c.REAL_NODES:
        d = node_dir(layout, node)
        subprocess.run(["rm", "-rf", "--one-file-system", str(d)], check=False)
        for sub in (*PRIVATE_DIRS.values(), "cni", "sysctl", "certs.d/_default"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        for name, value in KUBELET_SYSCTLS.items():
            (d / "sysctl" / name.replace("/", ".")).write_text(value + "\n")
        (d / "containerd.toml").write_text(containerd_config(bins, d))
        (d / "certs.d" / "_default" / "hosts.toml").write_text(registry_hosts())
        (d / "cni" / "10-kd-pods.conflist").write_text(json.dumps(cni_config(node), indent=2))
        (d / "kubelet.yaml").write_text(
            json.dumps(kubelet_config(layout, node, netns_name), indent=2) + "\n"
        )
        pki.issue(
            ca,
            d / "kubelet",
            f"system:node:{node.name}",
            dns_names=[node.name],
            ips=[node.ip, "127.0.0.1"],
            server=True,
        )
        make_cgroups(cgroup_root(netns_name, node))


def make_cgroups(root: str) -> None:
    """Create the kubelet's cgroup root in every hierarchy (cpuset: with the parent's
    CPUs and memory nodes, which v1 leaves empty in a new cgroup)."""
    for hierarchy in hierarchies():
        path = hierarchy / root.lstrip("/")
        path.mkdir(exist_ok=True)
        for name in ("cpuset.cpus", "cpuset.mems"):
            if (path / name).exists() and not (path / name).read_text().strip():
                (path / name).write_text((hierarchy / name).read_text())


# --- processes ------------------------------------------------------------------------------


def _holder_script(d: Path) -> str:
    # -n: no /run/mount/utab (libmount would create /run/mount on the host first).
    lines = ["set -e"]
    for target, sub in PRIVATE_DIRS.items():
        lines.append(f"mount -n --bind {shlex.quote(str(d / sub))} {target}")
    for name in KUBELET_SYSCTLS:
        source = d / "sysctl" / name.replace("/", ".")
        lines.append(f"mount -n --bind {shlex.quote(str(source))} /proc/sys/{name}")
    lines.append(f"touch {shlex.quote(str(d / 'ready'))}")
    lines.append("exec sleep infinity")
    return "\n".join(lines)


def components(
    layout: Layout, netns_name: str, bins: Binaries, node: RealNodeSpec, holder: int | None
) -> list[Component]:
    """The node's processes: holder (``holder`` None) or containerd and kubelet in it."""
    d = node_dir(layout, node)
    if holder is None:
        argv = ["nsenter", f"--net=/run/netns/{netns_name}", "unshare", "--mount"]
        argv += ["--propagation", "private", "sh", "-c", _holder_script(d)]
        return [Component(f"{node.name}-holder", argv)]
    enter = ["nsenter", f"--target={holder}", "--mount", "--net"]
    containerd = [str(bins.containerd / "containerd"), "--config", str(d / "containerd.toml")]
    labels = [
        f"{c.REAL_NODE_LABEL}=true",
        f"topology.kubernetes.io/zone={node.zone}",
        f"topology.kubernetes.io/region={c.REGION}",
    ]
    kubelet = [
        str(bins.k8s),
        "real-kubelet",
        f"--config={d / 'kubelet.yaml'}",
        f"--kubeconfig={layout.run / 'admin.kubeconfig'}",
        f"--hostname-override={node.name}",
        f"--node-ip={node.ip}",
        f"--node-labels={','.join(labels)}",
    ]
    return [
        Component(f"{node.name}-containerd", [*enter, *containerd]),
        Component(f"{node.name}-kubelet", [*enter, *kubelet]),
    ]


def env(bins: Binaries) -> dict[str, str]:
    """containerd finds its shim on PATH; CNI plugins run iptables (sbin)."""
    base = os.environ.get("PATH", "/usr/bin:/bin")
    path = os.pathsep.join([str(bins.containerd), base, "/usr/sbin", "/sbin"])
    drop = ("KUBECONFIG", "PYTHONPATH", "NOTIFY_SOCKET")
    return {k: v for k, v in os.environ.items() if k not in drop} | {"PATH": path}


def wait_file(path: Path, what: str, pid: int, timeout: float = 30.0) -> None:
    from .procs import alive

    deadline = time.monotonic() + timeout
    while not path.exists():
        if not alive(pid):
            raise RuntimeError(f"{what} (pid {pid}) exited during startup")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


# --- teardown -------------------------------------------------------------------------------


def _cgroup_tree(path: Path) -> Iterator[Path]:
    """``path`` and its descendants, deepest first."""
    if not path.is_dir():
        return
    for child in sorted(p for p in path.iterdir() if p.is_dir()):
        yield from _cgroup_tree(child)
    yield path


def _procs(path: Path) -> list[int]:
    try:
        return [int(p) for p in (path / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def remove_cgroups(root: str, timeout: float = 10.0) -> list[str]:
    """Kill every process left under ``root`` (pods' containers outlive containerd)
    and remove its cgroups leaf-first; returns the ones that would not go."""
    left = []
    for hierarchy in hierarchies():
        top = hierarchy / root.lstrip("/")
        for path in _cgroup_tree(top):
            deadline = time.monotonic() + timeout
            while pids := _procs(path):
                for pid in pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            try:
                path.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                deadline = time.monotonic() + timeout
                while path.exists() and time.monotonic() < deadline:
                    time.sleep(0.1)
                    with contextlib.suppress(OSError):
                        path.rmdir()
                if path.exists():
                    left.append(str(path))
    return left


def teardown(layout: Layout, netns_name: str) -> list[str]:
    """After the namespace's processes are gone: the pods' processes, cgroups and the
    nodes' directories. Returns what could not be removed."""
    left = []
    for node in c.REAL_NODES:
        left += remove_cgroups(cgroup_root(netns_name, node))
    if layout.nodes_dir.exists():
        subprocess.run(["rm", "-rf", "--one-file-system", str(layout.nodes_dir)], check=False)
    return left
