"""The shape of the code: one-way imports between stages, no cycles, small modules and
functions, and a command line that starts without the heavy libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gigaplan"
#: The engines: each stage's package or module. They may use the base modules and each
#: other's model functions, never the layers above them.
ENGINES = ("fleet", "facility", "training", "reliability", "finance", "serving")
#: What sits above the engines: only these connect or present them.
ABOVE = ("chain", "pipeline", "montecarlo", "portfolio", "compare", "report", "cli", "results",
         "summary")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every gigaplan module ``path`` imports (at any depth, TYPE_CHECKING blocks included)."""
    here = _module(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("gigaplan")}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            if not mod.startswith("gigaplan"):
                continue
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return out


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    files = {_module(p): p for p in SRC.rglob("*.py")}
    g = nx.DiGraph()
    g.add_nodes_from(files)
    for name, path in files.items():
        for target in _imports(path):
            if target in files and target != name:
                g.add_edge(name, target)
    return g


def _top(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def test_no_engine_imports_the_layers_above(graph):
    for a, b in graph.edges:
        if _top(a) in ENGINES:
            assert _top(b) not in ABOVE, f"{a} imports {b}"


def test_the_report_and_the_results_never_import_the_pipeline_or_the_cli(graph):
    for a, b in graph.edges:
        if _top(a) in ("report", "results", "summary"):
            assert _top(b) not in ("pipeline", "cli"), f"{a} imports {b}"


def test_there_is_no_import_cycle(graph):
    # a package importing its own submodules is not a cycle between modules
    g = graph.copy()
    g.remove_edges_from([(a, b) for a, b in graph.edges if b.startswith(a + ".")])
    cycles = list(nx.simple_cycles(g))
    assert cycles == [], cycles[:3]


def test_the_stages_flow_one_way(graph):
    # fleet <- facility <- training <- reliability? No: training uses reliability's goodput
    # model; finance reads none of the stages it follows except through their results' types
    order = {"fleet": 0, "facility": 1, "reliability": 2, "training": 3, "finance": 4}
    for a, b in graph.edges:
        ta, tb = _top(a), _top(b)
        if ta in order and tb in order and ta != tb:
            assert order[tb] < order[ta], f"{a} imports {b}: the stages flow the other way"


def test_modules_and_functions_are_small():
    long_modules, long_functions = [], []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append(f"{path.relative_to(SRC)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(SRC)}:{node.lineno} "
                                          f"{node.name}: {n} lines")
    assert long_modules == []
    assert long_functions == []


def test_the_command_line_starts_without_pandas_numpy_or_plotly():
    code = ("import sys; import gigaplan.cli; "
            "print(','.join(m for m in ('pandas', 'numpy', 'plotly', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
