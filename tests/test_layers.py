"""The layers run one way, and no module imports itself back (README, "Layout").

Every import in the project's own code is read from the source, the ones inside functions
included, so a lazy import cannot slip a dependency past this test. Each module is given a
layer; an import may only go down (or sideways inside one app), and the module graph has
no cycle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The core: the Collaboratives, memberships and people every row points at, the access
# rules, the shared view helpers and registries, and the outbox.
CORE = ("collaborative", "notifications", "members.models")
# The one table of access rules may read feature apps' models and their signed-link
# checkers, and nothing else of them.
RULES = "collaborative.permissions"
RULES_MAY_READ = ("models", "links")
# Feature apps, lowest first: each may use the core and the apps to its left.
FEATURES = ("members", "meetings", "vision", "actions", "payments", "asks", "impact", "discussions")
# No app reaches into another app's pages, addresses or admin.
PRIVATE = ("views", "urls", "admin")
# Site-wide pages and the project's URL table sit on top and may use anything.
TOP = ("home", "collaborative.urls")


def _package_dirs() -> list[Path]:
    return sorted(path.parent for path in ROOT.glob("*/__init__.py") if path.parent.name not in {"tests", "bench"})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for package in _package_dirs() for path in package.rglob("*.py")}


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules `name` imports, wherever in the file the import stands."""
    wanted = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            wanted.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module
            for alias in node.names:
                # `from meetings import links` imports the module meetings.links.
                wanted.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module)
    found = set()
    for module in wanted:
        while module and module not in MODULES:
            module = module.rpartition(".")[0]
        if module and module != name:
            found.add(module)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _within(module: str, prefixes) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _app(module: str) -> str:
    return module.split(".")[0]


def _layer(module: str) -> str:
    if _within(module, TOP):
        return "top"
    if _within(module, (RULES,)):
        return "rules"
    if _within(module, CORE):
        return "core"
    if _app(module) in FEATURES:
        return "feature"
    raise AssertionError(f"{module} has no layer: add its app to CORE, FEATURES or TOP in {__name__}")


def breaks_layering(importer: str, imported: str) -> str | None:
    """Why importing `imported` from `importer` breaks the layers, or None if it may."""
    mine, theirs = _layer(importer), _layer(imported)
    if mine == "top":
        return None
    if theirs == "top":
        return "nothing imports the top layer (the home page, demo data, the URL table)"
    if theirs in ("core", "rules"):
        return None
    if mine == "core" and _app(importer) == _app(imported):
        return f"{importer} is in the core, which the rest of {_app(importer)} builds on"
    if _app(importer) == _app(imported):
        return None
    # From here on the imported module belongs to a feature app.
    if mine == "rules":
        if imported.split(".")[1:2] and imported.split(".")[1] in RULES_MAY_READ:
            return None
        return "the access rules read only feature apps' models and links modules"
    if mine == "core":
        return "the core knows no feature app: plug the feature in through a registry"
    if FEATURES.index(_app(imported)) > FEATURES.index(_app(importer)):
        return f"{_app(importer)} sits below {_app(imported)} (order: {', '.join(FEATURES)})"
    if imported.split(".")[1:2] and imported.split(".")[1] in PRIVATE:
        return f"another app's {imported.split('.')[1]}.py is its own business: move what is shared to selectors.py"
    return None


def test_every_module_is_read():
    # A guard for the test itself: it sees every app and lazy imports inside functions.
    assert {"members.models", "meetings.views", "actions.services", "collaborative.permissions"} <= set(MODULES)
    assert "members.models" in GRAPH["meetings.models"]


def test_imports_follow_the_layers():
    broken = [
        f"{importer} imports {imported}: {reason}"
        for importer, imported_modules in sorted(GRAPH.items())
        for imported in sorted(imported_modules)
        if (reason := breaks_layering(importer, imported))
    ]
    assert not broken, "\n".join(broken)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_module_imports_itself_back():
    cycles = _cycles(GRAPH)
    assert not cycles, "\n".join(" ↔ ".join(group) for group in cycles)


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("actions.services", "meetings.models", True),
        ("meetings.views", "actions.views", False),
        ("meetings.services", "actions.selectors", False),
        ("vision.views", "meetings.views", False),
        ("notifications.kinds", "actions.emails", False),
        ("collaborative.permissions", "meetings.links", True),
        ("collaborative.permissions", "meetings.services", False),
        ("members.personal_data", "actions.models", False),
        ("members.services", "meetings.services", False),
        ("meetings.apps", "members.hooks", True),
        ("home.views", "actions.views", True),
        ("members.models", "members.services", False),
        ("members.views", "members.models", True),
        ("actions.views", "home.views", False),
    ],
)
def test_the_rule_catches_what_it_should(importer, imported, allowed):
    # The checker itself: a rule that lets everything through would pass the tests above.
    assert (breaks_layering(importer, imported) is None) is allowed


def test_a_cycle_is_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
