"""The wheel carries the package, its console script and the templates."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import REPO


def test_wheel_ships_templates_and_entry_point(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("gen_backend-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gen_backend/cli.py" in names
    assert "gen_backend/model/service.py" in names
    templates = sorted(
        p.relative_to(REPO / "templates").as_posix()
        for p in (REPO / "templates").rglob("*")
        if p.is_file()
    )
    assert templates
    for template in templates:
        assert f"gen_backend/templates/{template}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "gen-backend = gen_backend.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    )
