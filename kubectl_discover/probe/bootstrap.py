"""The exec command that unpacks the payload inside the probe pod.

``python3 -B -c BOOTSTRAP`` reads one length-prefixed frame from stdin (a length
line, then the zip: not every exec protocol version can half-close stdin, so
the frame carries its own end), writes the zip to the pod's writable emptyDir
(``$TMPDIR``, ``/tmp``; the root filesystem is read-only), imports the program
from it, removes the file and exits with the program's code. It fits in one
exec argument and needs nothing but the image's python3.
"""

from __future__ import annotations

MODULE = "kubectl_discover_probe"
"""The program's module name inside the zip (kept distinct from the plugin package)."""

BOOTSTRAP = (
    "import os,sys,json\n"
    "r=sys.stdin.buffer\n"
    "n=int(r.readline())\n"
    "d=r.read(n)\n"
    "if len(d)!=n: sys.stderr.write('short payload: %d of %d bytes\\n'%(len(d),n))"
    "; sys.exit(97)\n"
    "p=os.path.join(os.environ.get('TMPDIR') or '/tmp',"
    "'kubectl-discover-probe-%d.zip'%os.getpid())\n"
    "f=open(p,'wb'); f.write(d); f.close()\n"
    "sys.path.insert(0,p)\n"
    f"import {MODULE} as m\n"
    "a=json.loads(os.environ.get('KUBECTL_DISCOVER_PROBE_ARGS') or '[]')\n"
    "try: c=m.main(a)\n"
    "finally: os.remove(p)\n"
    "sys.stdout.flush(); sys.stderr.flush(); os._exit(c)\n"
)
"""``python3 -c BOOTSTRAP`` with :func:`frame` (payload) on stdin runs the probe.

``KUBECTL_DISCOVER_PROBE_ARGS`` exists for tests only (resolv.conf path, DNS port);
the plugin never sets it. ``os._exit`` so threads stuck past the budget don't
hold the exec open.
"""


def command() -> list[str]:
    """The container command for the exec: ``-B`` because the root FS is read-only."""
    return ["python3", "-B", "-c", BOOTSTRAP]


def frame(payload: bytes) -> bytes:
    """Length-prefixed stdin frame the bootstrap expects."""
    return b"%d\n" % len(payload) + payload
