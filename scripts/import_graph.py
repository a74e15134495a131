"""The project's own import graph, checked against the rules of the house.

    python scripts/import_graph.py [--from rag.cli] [--modules]

Reads `rag/` and `ui/` with `ast` (nothing is imported). Imports under `if TYPE_CHECKING:` are
left out: they never run. Prints the stage graph (which stage imports which, and how many
imports), the longest chain from `--from`, and with `--modules` each module's depth. Exits 1,
naming each offending import, when there is a cycle or a stage imports a stage above it:

    top:      rag.pipeline, rag.render, rag.cli, rag.eval, ui   (may import any stage)
    answer    may import search, index, sources, llm
    search    may import index, sources, llm
    index     may import sources, llm
    sources   may import the base only        } peers: neither knows the other
    llm       may import the base only        }
    base:     rag.settings, rag.types, rag.errors, rag.privacy  (imports nothing of ours but
              the base)
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASE = "base"
TOP = "top"
# What each stage may import, besides itself and the base.
ALLOWED: dict[str, set[str]] = {
    BASE: set(),
    "sources": set(),
    "llm": set(),
    "index": {"sources", "llm"},
    "search": {"index", "sources", "llm"},
    "answer": {"search", "index", "sources", "llm"},
    TOP: {"answer", "search", "index", "sources", "llm", TOP},
}
STAGE_ORDER = [TOP, "answer", "search", "index", "sources", "llm", BASE]


def stage(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "ui":
        return TOP
    if len(parts) > 1 and parts[1] in ALLOWED:
        return parts[1]
    if module in {"rag", "rag.settings", "rag.types", "rag.errors", "rag.privacy"}:
        return BASE
    return TOP  # rag.pipeline, rag.render, rag.cli.*, rag.eval.*


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
                # `from rag.cli import ask` names a module as often as a function.
                deps.update(f"{node.module}.{a.name}" for a in node.names)
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        mods[name] = deps
    for name, deps in mods.items():
        mods[name] = {d for d in deps if d in mods and d != name}
    return mods


def violations(mods: dict[str, set[str]]) -> list[str]:
    """Each import that goes up the stages, or across from sources to llm and back."""
    found = []
    for mod, deps in sorted(mods.items()):
        here = stage(mod)
        for dep in sorted(deps):
            there = stage(dep)
            if there not in {here, BASE} and there not in ALLOWED[here]:
                found.append(f"{mod} ({here}) imports {dep} ({there})")
    return found


def cycles(mods: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk (each reported once, from where it was closed)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def walk(n: str, path: list[str]) -> None:
        state[n] = 1
        for d in sorted(mods.get(n, ())):
            if state.get(d) == 1:
                found.append([*path[path.index(d) :], d])
            elif d not in state:
                walk(d, [*path, d])
        state[n] = 2

    for m in sorted(mods):
        if m not in state:
            walk(m, [m])
    return found


def longest_chain(mods: dict[str, set[str]], start: str) -> list[str]:
    memo: dict[str, list[str]] = {}

    def chain(n: str) -> list[str]:
        if n not in memo:
            memo[n] = [n]  # a guard against cycles, which are reported separately
            memo[n] = [n, *max((chain(d) for d in mods.get(n, ())), key=len, default=[])]
        return memo[n]

    return chain(start)


def stage_edges(mods: dict[str, set[str]]) -> Counter[tuple[str, str]]:
    return Counter(
        (stage(m), stage(d)) for m, deps in mods.items() for d in deps if stage(m) != stage(d)
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="start", default="rag.cli")
    ap.add_argument("--modules", action="store_true", help="each module's depth too")
    args = ap.parse_args()
    mods = graph()

    edges = stage_edges(mods)
    print("stage graph (imports across stages):")
    for s in STAGE_ORDER:
        own = sorted(m for m in mods if stage(m) == s)
        targets = ", ".join(f"{t} {edges[s, t]}" for t in STAGE_ORDER if edges[s, t])
        print(f"  {s:8s} {len(own):2d} modules -> {targets or '-'}")
    if args.modules:
        depths = {m: len(longest_chain(mods, m)) for m in mods}
        for m in sorted(mods, key=lambda m: (-depths[m], m)):
            print(f"{depths[m]:2d} {stage(m):8s} {m}")
    print("longest chain from", args.start + ":", " -> ".join(longest_chain(mods, args.start)))

    bad = [f"cycle: {' -> '.join(c)}" for c in cycles(mods)] + violations(mods)
    for line in bad:
        print("VIOLATION", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
