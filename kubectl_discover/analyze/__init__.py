"""Pure analysis: a :class:`~kubectl_discover.snapshot.Snapshot` in, typed findings and
expectations out. Nothing in this package performs I/O or imports an API client."""
