"""Pausing the cyclic garbage collector around loading and a whole-cluster analysis.

Used by the loader (kubectl_discover/loading.py: decoding a large LIST allocates millions
of dicts that are never garbage) and by the pipeline around ``scan``
(kubectl_discover/pipeline.py), never inside the pure analysis. ``scan -A`` builds
hundreds of thousands of small, acyclic objects (pod views, findings, chain links); with
the collector running, its full collections walk all of them again and again (about 1 s
of a 3.6 s analysis on 5,000 Services / 50,000 Pods, bench/README.md). Nothing the
analysis builds relies on cycle collection, so the collector is paused while it runs and
restored afterwards (reference counting still frees everything as usual).

On the way out what was allocated meanwhile is frozen (``gc.freeze()``): re-enabling the
collector otherwise starts with a young generation holding every object built, and the
next allocation pays for a collection walking all of them (0.2-0.5 s on ``scan -A``).
Frozen objects are still freed by reference counting; only cyclic garbage made meanwhile
(there is next to none) stays until ``gc.unfreeze()``.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block, freeze what it allocated, and re-enable
    the collector only if it was enabled."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
