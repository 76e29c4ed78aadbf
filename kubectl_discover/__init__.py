"""kubectl-discover: follow a Service from its spec to live DNS answers and say why."""

__version__ = "0.1.0"
