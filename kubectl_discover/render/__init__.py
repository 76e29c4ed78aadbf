"""Turn report documents into text. Every ``format_*`` returns a string; only the CLI
writes. The renderers read the same document that ``-o json`` prints, so the table
can never say something the JSON does not."""

from kubectl_discover.render.data import format_json, format_yaml
from kubectl_discover.render.table import format_table
from kubectl_discover.render.tree import format_tree

__all__ = ["format_json", "format_table", "format_tree", "format_yaml"]
