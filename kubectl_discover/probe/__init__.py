"""Live probes from one short-lived, locked-down pod.

Probing and analysis are separate (the dnsviz design): :mod:`.plan` turns a
:class:`~kubectl_discover.analyze.model.Diagnosis` into plain data, :mod:`.program`
runs that plan inside the pod and prints plain JSON, and :mod:`.observations`
reads that JSON back, so a recorded run can be replayed offline.
"""
