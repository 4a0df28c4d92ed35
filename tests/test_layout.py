"""The house stays acyclic: no module of ``site_builder`` imports itself back through others.

Every ``import`` is read with ``ast`` — at the top of a module, inside functions, under
``if TYPE_CHECKING`` — so an import moved into a function to dodge a circle is still a circle here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from site_paths import ROOT

PACKAGE = ROOT / "site_builder"


def module_names(package: Path) -> dict[str, Path]:
    """``{"site_builder.snippets.run": path}`` for every module; a package is its ``__init__``."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that ``name`` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.module, node.level)
            # `from pkg import sub` names the submodule when there is one, else pkg itself
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                         for alias in node.names)
    return {target for target in found if target in modules and target != name}


def _absolute(name: str, is_package: bool, module: str | None, level: int) -> str:
    if not level:
        return module or ""
    parts = name.split(".") if is_package else name.split(".")[:-1]
    parts = parts[:len(parts) - (level - 1)]
    return ".".join([*parts, *([module] if module else [])])


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = module_names(package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as ``[a, b, …, a]``, or None when the graph is acyclic (depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = "open"
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[path.pop()] = "done"
                stack.pop()
            elif state.get(target) == "open":
                return path[path.index(target):] + [target]
            elif target not in state:
                state[target] = "open"
                path.append(target)
                stack.append(iter(sorted(graph.get(target, ()))))
    return None


def test_site_builder_has_no_import_circle():
    graph = import_graph(PACKAGE)
    assert "site_builder.snippets.run" in graph and graph["site_builder.snippets.run"], "the graph was not read"
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_snippet_imports_flow_one_way():
    """options -> command / pytest plugin -> running -> parsing, cache, statuses -> model (DESIGN §1, README
    Layout): the options of ``site-builder check`` load its command only when it runs."""
    graph = import_graph(PACKAGE)
    prefix = "site_builder.snippets."
    layer = {"options": 4, "command": 3, "pytest_plugin": 3, "run": 2, "statuses": 2, "hints": 2, "parse": 1, "cache": 1,
             "excerpts": 1, "contain": 1, "model": 0}
    scripts = {"child", "supervisor"}
    assert set(layer) | scripts == {name.removeprefix(prefix) for name in graph if name.startswith(prefix)}
    for name, level in layer.items():
        for target in graph[prefix + name]:
            if target.startswith(prefix):
                assert layer[target.removeprefix(prefix)] <= level, f"{name} imports {target}, which is above it"
    for script in scripts:
        assert not graph[prefix + script], f"{script}.py runs in a bare interpreter and imports nothing of ours"


LAYERS = [{"cli", "__main__", "scaffold", "profiling"}, {"serve", "livereload"}, {"importers"}, {"settle"}, {"build"}, {"assemble"},
          {"pagefind", "pagefind_service", "pagefind_shards", "pagefind_filters", "search", "render", "feed", "markdown", "links",
           "sanitize", "highlight", "output", "incremental", "secrets"}, {"snippets"},
          {"discover", "config", "services", "menu", "translations"},
          {"permalinks", "permalink_values", "posts", "pages", "conversation", "reading", "speakers", "frontmatter",
           "markdown.blockquotes"},
          {"model", "errors", "caches", "processes", "patterns", "file_signatures"}]
"""The README's Layout table, top to bottom (``site_builder/__init__.py`` holds only the version). A module is
placed by the longest dotted prefix of its name (after ``site_builder.``) listed here: ``markdown.blockquotes``
sits low, the rest of the ``markdown`` package where ``markdown`` is."""


def test_top_level_imports_flow_down_the_readme_layout():
    graph = import_graph(PACKAGE)

    def layer(module: str) -> int | None:
        parts = module.split(".")[1:]
        if not parts:
            return len(LAYERS)
        for size in range(len(parts), 0, -1):
            prefix = ".".join(parts[:size])
            found = next((index for index, names in enumerate(LAYERS) if prefix in names), None)
            if found is not None:
                return found
        return None

    unplaced = sorted(name for name in graph if layer(name) is None)
    assert not unplaced, f"modules missing from LAYERS and the README's Layout table: {unplaced}"
    upward = [f"{name} -> {target}" for name, targets in graph.items() for target in targets
              if layer(target) < layer(name)]
    assert not upward, "imports against the README's Layout order: " + ", ".join(sorted(upward))


def test_a_planted_circle_is_found(tmp_path):
    """The check itself can fail: circles through a function-level import and a package seam are found."""
    package = tmp_path / "site_builder"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from site_builder import b\n")
    (package / "b.py").write_text("def later():\n    from site_builder.sub import thing\n")
    (package / "sub" / "__init__.py").write_text("from site_builder.sub.inner import thing\n")
    (package / "sub" / "inner.py").write_text("from .. import a\nthing = 1\n")
    cycle = find_cycle(import_graph(package))
    assert cycle == ["site_builder.a", "site_builder.b", "site_builder.sub", "site_builder.sub.inner",
                     "site_builder.a"]
    (package / "sub" / "inner.py").write_text("import json\nthing = 1\n")
    assert find_cycle(import_graph(package)) is None
