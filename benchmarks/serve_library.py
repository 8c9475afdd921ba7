"""Requests per second of the generated library service against two baselines, in one run, on
one PostgreSQL (figures and what they say: docs/served-performance.md): a hand-written
FastAPI + SQLAlchemy ORM service and a raw Starlette + asyncpg one (`baselines.py`), each
answering the same JSON for `GET /books?limit=20` (a page of 20 and the total) and
`GET /books/{id}`, each book with its author embedded; and the SQL statements the generated
service runs per request.

Each server is one uvicorn process (one worker, a pool of 10 connections); the load is
`--concurrency` keep-alive connections from this process, a request in flight on each, for
`--seconds` per endpoint and server,
the servers taken in turns over `--rounds` rounds, so that drift on a shared machine hits all
three alike. Reported as medians of the rates, and as medians of the ratios taken within each
round (with their range), which drift on a shared machine moves least. Measured, never
asserted.

    .venv/bin/python benchmarks/serve_library.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import jwt

from gen_backend.accept import Accepted, accept
from gen_backend.plan import plan_project
from gen_backend.render import render_project

REPO = Path(__file__).resolve().parents[1]
SECRET = "benchmark-signing-secret-of-at-least-32-bytes"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _token() -> str:
    now = int(time.time())
    claims = {"sub": "reader", "scope": "books:read", "iat": now, "exp": now + 3600}
    claims |= {"iss": "https://auth.library.example/", "aud": "library-api"}
    return jwt.encode(claims, SECRET, algorithm="HS256")


async def _fresh_database(admin_url: str, name: str) -> str:
    server = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(f"{server}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{admin_url}/{name}"


async def _seed(url: str, authors: int, books: int) -> list[uuid.UUID]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        author_ids = [uuid.uuid4() for _ in range(authors)]
        await connection.executemany(
            "INSERT INTO authors (id, name) VALUES ($1, $2)",
            [(a, f"Author {n}") for n, a in enumerate(author_ids)],
        )
        book_ids = [uuid.uuid4() for _ in range(books)]
        await connection.executemany(
            "INSERT INTO books (id, author_id, isbn, title, price) VALUES ($1, $2, $3, $4, $5)",
            [
                (b, author_ids[n % authors], f"{9780000000000 + n}", f"Book {n}", n + 0.99)
                for n, b in enumerate(book_ids)
            ],
        )
        return book_ids
    finally:
        await connection.close()


@contextmanager
def _serving(app: str, cwd: Path, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """A uvicorn process serving `app`: its base URL and process id."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--no-access-log"],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/books/{uuid.uuid4()}", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=10)


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system, all threads) process `pid` has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _rate(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> float:
    """Requests per second answered 200 while `concurrency` keep-alive connections each keep
    one request in flight. A bare HTTP/1.1 client on asyncio streams, so that as little of
    the machine as possible goes to the load itself (httpx would take most of a core)."""
    target = httpx.URL(url)
    lines = [f"GET {target.raw_path.decode()} HTTP/1.1", f"Host: {target.host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    done = 0
    stop = time.monotonic() + seconds

    async def connection() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(target.host, target.port)
        try:
            while time.monotonic() < stop:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.lower().split(b"\r\n")
                    if line.startswith(b"content-length:")
                )
                await reader.readexactly(length)
                if status != 200:
                    raise RuntimeError(f"{url} answered {status}")
                done += 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return done / (time.monotonic() - started)


def _same(generated: httpx.Response, other: httpx.Response, what: str) -> None:
    """The baselines must answer what the generated service answers (values, not spelling)."""
    ours, theirs = generated.json(), other.json()
    rows = ours.get("items", [ours])
    their_rows = theirs.get("items", [theirs])
    assert [r["id"] for r in rows] == [r["id"] for r in their_rows], what
    assert ours.get("total") == theirs.get("total"), what
    assert {k for r in rows for k in r} == {k for r in their_rows for k in r}, what
    assert [r["author"]["id"] for r in rows] == [r["author"]["id"] for r in their_rows], what
    assert {k for r in rows for k in r["author"]} == {k for r in their_rows for k in r["author"]}


def _statements(project: Path, env: dict[str, str], book: uuid.UUID) -> dict[str, int]:
    """The statements the generated service runs per request, counted in a process of its own
    with an engine event listener (as its tests do)."""
    script = f"""
import asyncio, httpx
from sqlalchemy import event
from app.core.db import get_engine
from app.main import create_app
seen = []
event.listen(get_engine().sync_engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
async def main():
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        headers = {{"Authorization": "Bearer {_token()}"}}
        for url in ("/books?limit=20", "/books/{book}"):
            await client.get(url, headers=headers)  # warm: the pool's first connection
            seen.clear()
            assert (await client.get(url, headers=headers)).status_code == 200
            print(url.split("?")[0], len(seen))
    await get_engine().dispose()
asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"counting statements failed:\n{done.stderr}")
    counts = {}
    for line in done.stdout.split("\n"):
        if line.strip():
            path, count = line.rsplit(" ", 1)
            counts["list" if path == "/books" else "get"] = int(count)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GEN_BACKEND_TEST_POSTGRES"),
        help="a postgresql+asyncpg:// URL of a server (no database part)",
    )
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    if not args.postgres:
        parser.error("--postgres (or GEN_BACKEND_TEST_POSTGRES) is needed")

    result = accept(REPO / "sample_specs" / "library")
    assert isinstance(result, Accepted)
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        project = Path(tmp) / "library"
        for path, file in render_project(plan_project(result.model, result.rfis)).items():
            (project / path).parent.mkdir(parents=True, exist_ok=True)
            (project / path).write_text(file.text, encoding="utf-8")
        url = asyncio.run(_fresh_database(args.postgres, f"bench_library_{os.getpid()}"))
        env = {"DATABASE_URL": url, "JWT_SECRET": SECRET, "DB_POOL_SIZE": "10"}
        env["DB_MAX_OVERFLOW"] = "0"
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=project,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        books = asyncio.run(_seed(url, authors=50, books=1000))
        statements = _statements(project, env, books[0])
        baseline_env = {
            "BENCH_DATABASE_URL": url,
            "BENCH_JWT_SECRET": SECRET,
            "PYTHONPATH": str(REPO / "benchmarks"),
        }
        headers = {"Authorization": f"Bearer {_token()}"}
        endpoints = {"list": "/books?limit=20", "get": f"/books/{books[0]}"}
        rates: dict[tuple[str, str], list[float]] = {}
        costs: dict[tuple[str, str], list[float]] = {}  # server CPU ms per request
        with (
            _serving("app.main:app", project, env) as generated,
            _serving("baselines:orm_app", REPO / "benchmarks", baseline_env) as orm,
            _serving("baselines:raw_app", REPO / "benchmarks", baseline_env) as raw,
        ):
            servers = {"generated": generated, "hand-written ORM": orm, "raw asyncpg": raw}
            for what, path in endpoints.items():
                ours = httpx.get(generated[0] + path, headers=headers)
                for name in ("hand-written ORM", "raw asyncpg"):
                    theirs = httpx.get(servers[name][0] + path, headers=headers)
                    _same(ours, theirs, f"{name} {what}")
            for _ in range(args.rounds):
                for what, path in endpoints.items():
                    for name, (base, pid) in servers.items():
                        used = _cpu_seconds(pid)
                        load = _rate(base + path, headers, args.seconds, args.concurrency)
                        rate = asyncio.run(load)
                        used = _cpu_seconds(pid) - used
                        rates.setdefault((name, what), []).append(rate)
                        costs.setdefault((name, what), []).append(
                            1000 * used / (rate * args.seconds)
                        )
    print(
        f"library on PostgreSQL: {args.rounds} rounds of {args.seconds:g} s, "
        f"{args.concurrency} in flight; medians, ratios: median (range) of the rounds' ratios"
    )
    _table("requests/s", rates, statements, higher_is_better=True)
    _table("server CPU ms per request", costs, statements, higher_is_better=False)


def _table(
    title: str,
    figures: dict[tuple[str, str], list[float]],
    statements: dict[str, int],
    *,
    higher_is_better: bool,
) -> None:
    """One figure per endpoint and server, and the ratios that say how far ahead the first
    server is (for a cost, the other's cost over its own, so that above 1 is ahead too)."""
    print(f"\n{title}")
    print(
        f"{'endpoint':<8} {'generated':>10} {'hand ORM':>10} {'raw':>10} "
        f"{'gen vs ORM':>16} {'gen vs raw':>16} {'ORM vs raw':>16} {'SQL/req':>8}"
    )
    for what in statements:
        g, o, r = (figures[(n, what)] for n in ("generated", "hand-written ORM", "raw asyncpg"))
        pairs = ((g, o), (g, r), (o, r)) if higher_is_better else ((o, g), (r, g), (r, o))
        print(
            f"{what:<8} {statistics.median(g):>10.2f} {statistics.median(o):>10.2f} "
            f"{statistics.median(r):>10.2f} "
            + " ".join(f"{_ratios(a, b):>16}" for a, b in pairs)
            + f" {statements[what]:>8}"
        )


def _ratios(ours: list[float], theirs: list[float]) -> str:
    """The median of the per-round ratios, and their range: `1.02 (0.95-1.10)`."""
    ratios = sorted(a / b for a, b in zip(ours, theirs, strict=True))
    return f"{statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})"


if __name__ == "__main__":
    main()
