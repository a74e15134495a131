"""The project's own import graph: cycles (none allowed), and the deepest chain of modules.

    python scripts/import_graph.py [--from rag.cli]

Reads `rag/` and `ui/` with `ast` (nothing is imported). Imports under `if TYPE_CHECKING:` are
left out: they never run. Prints any cycle, each module's depth (1 = imports nothing of ours),
and the longest chain from `--from`.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def graph() -> dict[str, set[str]]:
    mods: dict[str, set[str]] = {}
    for path in sorted([*ROOT.glob("rag/**/*.py"), *ROOT.glob("ui/**/*.py")]):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text("utf-8"))
        typing_only = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
            for n in ast.walk(node)
        }
        deps = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.module:
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        mods[name] = {d for d in deps if d.split(".")[0] in {"rag", "ui"}}
    return mods


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="start", default="rag.cli")
    args = ap.parse_args()
    mods = graph()

    def chain(n: str, seen: tuple[str, ...] = ()) -> list[str]:
        if n in seen:
            print("cycle:", " -> ".join([*seen[seen.index(n) :], n]))
            return [n]
        deps = [d for d in mods.get(n, ()) if d in mods]
        return [n, *max((chain(d, (*seen, n)) for d in deps), key=len, default=[])]

    depths = {m: len(chain(m)) for m in mods}
    for m in sorted(mods, key=lambda m: (-depths[m], m)):
        print(f"{depths[m]:2d} {m}")
    print("longest chain from", args.start + ":", " -> ".join(chain(args.start)))


if __name__ == "__main__":
    main()
