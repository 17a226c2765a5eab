"""analysis is a pure library: it must never pull in the web service or its stack."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import analysis

FORBIDDEN = ("survey_service", "litestar", "piccolo", "babel")
PACKAGE_DIR = Path(analysis.__file__).parent
ROOT = PACKAGE_DIR.parent


def test_importing_analysis_loads_no_web_module() -> None:
    code = "import json, sys; import analysis; print(json.dumps(sorted(m for m in sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = json.loads(out.stdout)
    offending = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert offending == []
    # Guard against the test passing because nothing was imported at all.
    assert "analysis.casemix" in loaded


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            roots.update(
                arg.value.split(".")[0]
                for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
    return roots


def test_no_module_of_analysis_imports_the_web_stack() -> None:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert len(files) >= 10
    offenders = {
        str(f.relative_to(ROOT)): sorted(_imported_roots(f) & set(FORBIDDEN)) for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_ast_scan_detects_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from survey_service.cli import main\nimport litestar.app\n")
    assert _imported_roots(bad) >= {"survey_service", "litestar"}


def test_public_surface_is_declared() -> None:
    assert len(analysis.__all__) == len(set(analysis.__all__))
    for name in analysis.__all__:
        assert hasattr(analysis, name), name
    assert issubclass(analysis.InputError, analysis.AnalysisError)
    assert issubclass(analysis.SingleLevelAdjusterWarning, analysis.AnalysisWarning)
