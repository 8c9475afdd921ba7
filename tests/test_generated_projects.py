"""Each sample generates a project that passes its own checks, and matches its golden tree.

The golden trees under tests/golden/generated/ are the reviewed output; after an intended
change, regenerate them with `UPDATE_GOLDEN=1 pytest tests/test_generated_projects.py` and
read the diff."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gen_backend.accept import Accepted, accept
from gen_backend.plan import plan_project
from gen_backend.render import RenderedFile, render_project

from .conftest import sample_dirs

GOLDEN = Path(__file__).resolve().parent / "golden" / "generated"


def _render(sample: Path) -> dict[str, RenderedFile]:
    result = accept(sample)
    assert isinstance(result, Accepted)
    return render_project(plan_project(result.model, result.rfis))


@pytest.mark.parametrize("sample", sample_dirs(), ids=lambda p: p.name)
def test_generated_tree_matches_golden(sample: Path) -> None:
    files = _render(sample)
    golden = GOLDEN / sample.name
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        for path, file in files.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_text(file.text, encoding="utf-8")
    on_disk = {p.relative_to(golden).as_posix() for p in golden.rglob("*") if p.is_file()}
    assert on_disk == set(files), "files added or removed; UPDATE_GOLDEN=1 to accept"
    for path, file in files.items():
        assert (golden / path).read_text(encoding="utf-8") == file.text, (
            f"{sample.name}/{path} differs from its golden copy; UPDATE_GOLDEN=1 to accept"
        )


def _run(args: list[str], cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST_"))}
    env["MYPY_CACHE_DIR"] = str(cwd / ".mypy_cache")
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("sample", sample_dirs(), ids=lambda p: p.name)
def test_generated_project_passes_its_own_checks(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / sample.name
    for path, file in _render(sample).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(file.text, encoding="utf-8")
    _run(["ruff", "check", "--no-cache", "."], out)
    _run(["ruff", "format", "--check", "--no-cache", "."], out)
    _run(["mypy"], out)
    _run(["pytest", "-q", "-p", "no:cacheprovider"], out)
