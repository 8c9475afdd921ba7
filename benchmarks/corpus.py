"""The corpus run: every OpenAPI spec of ../shared/corpus/specs through the whole pipeline.

Per spec: `gen-backend init` (with --lenient only where the spec fails validation), `check`,
`from-handoff`, then the generated project's ruff, `mypy --strict`, migrations (up, down, up)
and own tests, then the app served by uvicorn and schemathesis against it (all checks,
positive and negative data, a fixed seed, a bounded number of examples per operation, a token
with every permission; the operations left as 501 stubs are excluded and counted).

    python benchmarks/corpus.py                       # every spec, table into docs/corpus.md
    python benchmarks/corpus.py --only redoc-cafe,swagger-petstore3 --no-write

Measured, never asserted here: tests/test_corpus_run.py holds a subset to the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO.parent / "shared" / "corpus" / "specs"
DOC = REPO / "docs" / "corpus.md"
BEGIN, END = "<!-- corpus:begin -->", "<!-- corpus:end -->"
SECRET = "corpus-run-secret-" + "x" * 32
STAGES = ("init", "check", "generate", "ruff", "mypy", "migrate", "tests", "boot", "contract")
_PLANNED = re.compile(r"(\d+) operations, (\d+) generated, (\d+) left to you")
_ITEM_METHODS = {"get", "put", "patch", "delete"}


@dataclass
class SpecResult:
    spec: str
    lenient: bool = False
    operations: int = 0
    generated: int = 0
    stubs: int = 0
    crud: int = 0  # CRUD-shaped: collection GET/POST, item GET/PUT/PATCH/DELETE
    crud_generated: int = 0
    # the CRUD-shaped operations left as 501 stubs: (method and path, why)
    crud_stubbed: list[tuple[str, str]] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)  # stage -> "ok" or why not
    failures: dict[str, int] = field(default_factory=dict)  # schemathesis check -> count
    seconds: float = 0.0

    @property
    def project_ok(self) -> bool:
        """Passes its own ruff, mypy --strict, migrations and tests, and boots."""
        return all(self.stages.get(s) == "ok" for s in ("ruff", "mypy", "migrate", "tests", "boot"))


def spec_file(folder: Path) -> Path:
    names = ("openapi.yaml", "openapi.yml", "openapi.json")
    return next(p for name in names if (p := folder / name).exists())


def _run(
    args: list[str], cwd: Path, *, timeout: int = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTEST_"))}
    return subprocess.run(
        args, cwd=cwd, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return lines[-1][:160] if lines else f"exit {done.returncode}"


def _crud_shaped(spec: Path) -> dict[str, bool]:
    """operationId -> whether its method and path are CRUD-shaped."""
    from gen_backend.draft.design import is_action
    from gen_backend.load.openapi import load_openapi
    from gen_backend.model.from_openapi import read_api
    from gen_backend.model.infer import path_segments

    api = read_api(load_openapi(spec, lenient=True)).api
    shaped = {}
    for op in api.operations:
        last = path_segments(op.path)[-1]
        item = last.startswith("{")
        method = op.method.value
        shaped[op.operation_id] = (item and method in _ITEM_METHODS) or (
            not item and bool(last) and not is_action(last) and method in ("get", "post")
        )
    return shaped


def run_spec(folder: Path, work: Path, examples: int, seed: int) -> SpecResult:
    started = time.monotonic()
    result = SpecResult(spec=folder.name)
    try:
        _pipeline(folder, work, result, examples, seed)
    except subprocess.TimeoutExpired as exc:
        stage = next(s for s in STAGES if s not in result.stages)
        result.stages[stage] = f"timeout {exc.timeout}s"
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _pipeline(folder: Path, work: Path, result: SpecResult, examples: int, seed: int) -> None:
    gen = [sys.executable, "-m", "gen_backend"]
    spec, handoff, project = spec_file(folder), work / "handoff", work / "project"
    done = _run([*gen, "init", str(spec), "-o", str(handoff)], work)
    if done.returncode == 2 and "--lenient" in done.stderr:
        result.lenient = True
        done = _run([*gen, "init", str(spec), "-o", str(handoff), "--lenient"], work)
    flag = ["--lenient"] if result.lenient else []
    if done.returncode not in (0, 1):
        result.stages["init"] = f"exit {done.returncode}: {_tail(done)}"
        return
    result.stages["init"] = "ok"
    done = _run([*gen, "check", str(handoff), *flag], work)
    result.stages["check"] = "ok" if done.returncode in (0, 1) else f"exit {done.returncode}"
    # a draft's RFIs are open by nature: the run measures what is generated regardless
    generate = ["from-handoff", str(handoff), "-o", str(project), "--no-inspect", *flag]
    generate.append("--accept-open-rfis")
    done = _run([*gen, *generate], work)
    if done.returncode != 0:
        result.stages["generate"] = f"exit {done.returncode}: {_tail(done)}"
        return
    result.stages["generate"] = "ok"
    if planned := _PLANNED.search(done.stdout):
        result.operations, result.generated, result.stubs = map(int, planned.groups())
    from gen_backend.inspection import read_index

    stubs = {str(op["operation_id"]): op for op in read_index(project).stubs}
    stubbed = set(stubs)
    shaped = _crud_shaped(spec)
    result.crud = sum(shaped.values())
    result.crud_generated = sum(1 for op, crud in shaped.items() if crud and op not in stubbed)
    result.crud_stubbed = [
        (f"{stub['method']} {stub['path']}", str(stub.get("left_to_you_because")))
        for op, stub in stubs.items()
        if shaped.get(op)
    ]

    python = [sys.executable, "-m"]
    cache = {"MYPY_CACHE_DIR": str(work / "mypy-cache")}  # never shared by runs at once
    for stage, args in (
        ("ruff", ["ruff", "check", "--no-cache", "."]),
        ("mypy", ["mypy"]),
    ):
        done = _run([*python, *args], project, env=cache)
        result.stages[stage] = "ok" if done.returncode == 0 else _tail(done)
    database = f"sqlite+aiosqlite:///{work / 'served.db'}"
    env = {"DATABASE_URL": database, "JWT_SECRET": SECRET}
    for step in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"]):
        done = _run([*python, "alembic", *step], project, env=env)
        if done.returncode != 0:
            result.stages["migrate"] = f"{' '.join(step)}: {_tail(done)}"
            break
    else:
        result.stages["migrate"] = "ok"
    done = _run([*python, "pytest", "-q", "-p", "no:cacheprovider", "-x"], project, timeout=3600)
    (work / "pytest.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    result.stages["tests"] = "ok" if done.returncode == 0 else _tail(done)
    if result.stages["migrate"] != "ok":
        return
    token = _run([*python, "scripts.dev_token", "--role", "admin"], project, env=env).stdout.strip()
    try:
        with _serving(project, env) as base:
            result.stages["boot"] = "ok"
            if not result.generated:
                result.stages["contract"] = "none generated"
                return
            report = work / "junit.xml"
            excluded = [arg for op in sorted(stubbed) for arg in ("--exclude-operation-id", op)]
            done = _run(
                [
                    *python,
                    "schemathesis.cli",
                    "run",
                    f"{base}/openapi.json",
                    "--checks",
                    "all",
                    "--mode",
                    "all",
                    "--seed",
                    str(seed),
                    "--max-examples",
                    str(examples),
                    "--header",
                    f"Authorization: Bearer {token}",
                    "--report",
                    "junit",
                    "--report-junit-path",
                    str(report),
                    "--no-color",
                    "--suppress-health-check",
                    "all",
                    *excluded,
                ],
                work,
                timeout=1800,
            )
            (work / "schemathesis.log").write_text(done.stdout + done.stderr, encoding="utf-8")
            result.failures = _failures(report)
            # the contract is kept where no response breaks the spec (ST1xx: a server error,
            # an undocumented status, a body its schema refuses); the other findings (a bad
            # request accepted, ...) are counted beside it. A run whose links all lead to 501
            # stubs has no stateful phase, which is no failure either.
            no_links = "link definitions required for stateful testing are excluded" in done.stdout
            finished = done.returncode == 0 or bool(result.failures) or no_links
            kept = finished and not any(check.startswith("ST1") for check in result.failures)
            result.stages["contract"] = "ok" if kept else _tail(done)
    except TimeoutError as exc:
        result.stages["boot"] = str(exc)


def _failures(report: Path) -> dict[str, int]:
    """schemathesis failures by check (`ST201 Schema-violating request accepted`), from its
    JUnit report."""
    if not report.exists():
        return {}
    found: Counter[str] = Counter()
    for failure in ElementTree.parse(report).iter("failure"):
        text = (failure.get("message") or "") + "\n" + (failure.text or "")
        for code, title in dict(re.findall(r"\b(ST\d{3}) ([^\n]+)", text)).items():
            found[f"{code} {title.strip()}"] += 1
        if not re.search(r"\bST\d{3}\b", text):
            found["other"] += 1
    return dict(found)


@contextlib.contextmanager
def _serving(project: Path, env: dict[str, str]) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (project.parent / "server.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)],
        cwd=project,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise TimeoutError("not ready within 30 s") from None
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
        log.close()


def _mark(outcome: str | None) -> str:
    if outcome is None:
        return "-"  # not reached
    return {"ok": "✓", "none generated": "·"}.get(outcome, "✗")


def table(results: list[SpecResult], examples: int, seed: int) -> str:
    """The markdown table of a run, with its totals."""
    lines = [
        f"{len(results)} specs; schemathesis: all checks, positive and negative data, seed "
        f"{seed}, {examples} examples per operation.",
        "",
        "| spec | ops | generated | 501 | CRUD-shaped generated | "
        + " | ".join(STAGES)
        + " | schemathesis failures | s |",
        "|" + "---|" * (len(STAGES) + 7),
    ]
    for r in results:
        marks = [_mark(r.stages.get(s)) for s in STAGES]
        failures = ", ".join(f"{k} {v}" for k, v in sorted(r.failures.items())) or "0"
        name = r.spec + (" (lenient)" if r.lenient else "")
        lines.append(
            f"| {name} | {r.operations} | {r.generated} | {r.stubs} | "
            f"{r.crud_generated}/{r.crud} | "
            + " | ".join(marks)
            + f" | {failures} | {r.seconds:.0f} |"
        )
    ops = sum(r.operations for r in results)
    generated = sum(r.generated for r in results)
    crud = sum(r.crud for r in results)
    crud_generated = sum(r.crud_generated for r in results)
    passing = sum(r.project_ok for r in results)
    valid = [r for r in results if not r.lenient]
    never_halted = sum(r.stages.get("check") == "ok" for r in results)
    contract_clean = sum(r.stages.get("contract") in ("ok", "none generated") for r in results)
    lines += [
        "",
        f"- **init + check** exit 0 or 1 (never 3): {never_halted} of {len(results)} specs "
        f"({len(valid)} valid, {len(results) - len(valid)} read with --lenient).",
        f"- **Projects passing** their own ruff, mypy --strict, migrations and tests, and "
        f"booting: {passing} of {len(results)} ({100 * passing / max(len(results), 1):.0f}%).",
        f"- **Operations generated**: {generated} of {ops} ({100 * generated / max(ops, 1):.0f}%); "
        f"501 stubs: {ops - generated}. **CRUD-shaped generated**: {crud_generated} of {crud} "
        f"({100 * crud_generated / max(crud, 1):.0f}%).",
        f"- **Contract kept** (schemathesis finds no server error and no response the spec "
        f"refuses, ST1xx): {contract_clean} of {len(results)} specs (·: every operation a 501, "
        "nothing to run). Other findings (ST2xx requests, ST3xx stateful) are counted per "
        "spec in the table.",
    ]
    return "\n".join(lines + _stubbed(results))


def _stubbed(results: list[SpecResult]) -> list[str]:
    """The CRUD-shaped operations left as 501 stubs: how many for each reason (names taken
    out, so that one reason counts once whatever it names), then each spec's, by reason."""
    if not any(r.crud_stubbed for r in results):
        return []
    classes = Counter(re.sub(r"`[^`]*`", "`…`", why) for r in results for _, why in r.crud_stubbed)
    lines = ["", "CRUD-shaped operations left as 501 stubs, by reason:", ""]
    lines += ["| operations | reason |", "|---|---|"]
    lines += [f"| {count} | {why} |" for why, count in classes.most_common()]
    lines += ["", "And by spec:", ""]
    for r in results:
        if not r.crud_stubbed:
            continue
        by_reason: dict[str, list[str]] = {}
        for route, why in r.crud_stubbed:
            by_reason.setdefault(why, []).append(f"`{route}`")
        reasons = "; ".join(f"{why}: {', '.join(routes)}" for why, routes in by_reason.items())
        lines.append(f"- **{r.spec}** ({len(r.crud_stubbed)}): {reasons}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=Path, default=SPECS)
    parser.add_argument("--only", help="comma-separated spec folder names")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/corpus.md")
    parser.add_argument("--keep", type=Path, help="keep each spec's handoff, project and logs here")
    args = parser.parse_args()
    folders = sorted(p for p in args.specs.iterdir() if p.is_dir())
    if args.only:
        wanted = set(args.only.split(","))
        folders = [f for f in folders if f.name in wanted]
    with tempfile.TemporaryDirectory(prefix="gen-backend-corpus-") as scratch:
        root = args.keep or Path(scratch)

        def one(folder: Path) -> SpecResult:
            work = root / folder.name
            work.mkdir(parents=True)
            result = run_spec(folder, work, args.examples, args.seed)
            marks = " ".join(f"{s}:{v}" for s, v in result.stages.items() if v != "ok") or "all ok"
            print(f"{result.spec}: {result.seconds:.0f}s {marks}", flush=True)
            return result

        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(one, folders))
    text = table(results, args.examples, args.seed)
    print(text)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    if not args.no_write:
        doc = DOC.read_text(encoding="utf-8")
        head, _, rest = doc.partition(BEGIN)
        _, _, tail = rest.partition(END)
        DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
