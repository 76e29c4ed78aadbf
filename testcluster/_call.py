"""Helper for :meth:`testcluster.cluster.Cluster.call`: run one function
named on stdin (JSON) and print its JSON result."""

from __future__ import annotations

import importlib.util
import json
import sys
from typing import Any


def main() -> None:
    request: dict[str, Any] = json.loads(sys.stdin.read())
    spec = importlib.util.spec_from_file_location(request["module"], request["file"])
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {request['file']}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[request["module"]] = module
    spec.loader.exec_module(module)
    func: Any = module
    for part in request["name"].split("."):
        func = getattr(func, part)
    json.dump({"result": func(*request["args"])}, sys.stdout)


if __name__ == "__main__":
    main()
