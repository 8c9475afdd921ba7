"""The command line: text and JSON say the same thing; exit codes follow docs/cli.md."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from gen_backend import __version__
from gen_backend.cli import app

from .conftest import SAMPLES, check_json


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_text_and_json_agree(runner: CliRunner) -> None:
    sample = SAMPLES / "library"
    text = runner.invoke(app, ["check", str(sample)], env={"COLUMNS": "400"})
    code, report = check_json(runner, sample)
    assert text.exit_code == code == 0
    # rich wraps the panel; compare the words, without the box-drawing borders
    words = [w for w in text.stdout.split() if w not in {"│", "╭", "╰"}]
    readback_words = str(report["readback"]).split()
    joined = " ".join(words)
    assert " ".join(readback_words[:12]) in joined
    assert " ".join(readback_words[-6:]) in joined
    rfis = report["rfis"]
    assert isinstance(rfis, list)
    for rfi in rfis:
        assert rfi["code"] in text.stdout
    assert "Release Mode: MVP" in str(report["readback"])
    assert "The API has 15 endpoints (12 in scope)" in str(report["readback"])
    assert "The database is PostgreSQL" in str(report["readback"])


def test_readback_names_the_key_constraints(runner: CliRunner) -> None:
    _, report = check_json(runner, SAMPLES / "library")
    readback = str(report["readback"])
    assert "Key constraints: Books are removed for good on delete" in readback
    assert "p95 latency under 100 ms for reads" in readback


def test_json_summary_and_first_endpoint(runner: CliRunner) -> None:
    _, report = check_json(runner, SAMPLES / "library")
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert summary["endpoints"] == 15
    assert summary["in_scope"] == 12
    assert summary["tables"] == 3
    # FR-001 scores 5*2 + 4*1.5 + 2 = 18, the highest; its first operation in spec order wins
    assert summary["first_endpoint"] == "listAuthorBooks"


def test_fail_on_turns_rfis_into_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    sample = SAMPLES / "library"
    assert runner.invoke(app, ["check", str(sample), "--fail-on", "error"]).exit_code == 0
    root = tmp_path / "library"
    shutil.copytree(sample, root)
    auth = root / "auth.yaml"
    auth.write_text(auth.read_text().replace("  getBook: [books:read]\n", ""))
    assert runner.invoke(app, ["check", str(root), "--fail-on", "error"]).exit_code == 1
    assert runner.invoke(app, ["check", str(root)]).exit_code == 0


def test_full_release_mode_keeps_every_operation(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", root)
    manifest = root / "handoff.yaml"
    manifest.write_text(
        manifest.read_text().replace("release_mode: MVP", "release_mode: Full Production")
    )
    _, report = check_json(runner, root)
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert summary["in_scope"] == summary["endpoints"] == 15
    assert "Release Mode: Full Production" in str(report["readback"])


def test_check_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "library"
    shutil.copytree(SAMPLES / "library", root)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in root.rglob("*"))
    runner.invoke(app, ["check", str(root)])
    runner.invoke(app, ["check", str(root), "--json"])
    assert sorted((p.name, p.stat().st_mtime_ns) for p in root.rglob("*")) == before
