"""The runtime modules that keep data or query it (templates/app/core: db, rate_limit,
idempotency, health, json_items, lookups), tested on a SQLite file with the settings that
tests/runtime_project.py stands in for a project's. Each test runs in an event loop of its
own and closes the engine's connections at its end."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, JsonValue
from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core import health, rate_limit
from app.core.db import Base, UtcDateTime, get_engine, get_session_factory
from app.core.errors import install_error_handlers
from app.core.idempotency import REPLAYED, IdempotencyRecord, idempotent
from app.core.json_items import HoldsItem
from app.core.lookups import looked_up
from app.core.names import LIVE, READY
from app.core.problem import ProblemError
from app.core.rate_limit import RateLimitWindow, count_request
from tests.runtime_project import Settings, get_settings


class _Stamp(Base):
    __tablename__ = "stamps"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(UtcDateTime())


def _run(body: Callable[[], Awaitable[None]]) -> None:
    """`body` on fresh tables, in an event loop of its own."""

    async def run() -> None:
        async with get_engine().begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(Base.metadata.create_all)
        try:
            await body()
        finally:
            await get_engine().dispose()

    asyncio.run(run())


@pytest.fixture
def settings() -> Iterator[Settings]:
    """The settings the runtime reads, put back as they were after the test."""
    kept = dict(vars(get_settings()))
    yield get_settings()
    vars(get_settings()).update(kept)


def test_a_timestamp_comes_back_aware_and_in_utc() -> None:
    async def body() -> None:
        paris = datetime.timezone(datetime.timedelta(hours=1))
        async with get_session_factory()() as session, session.begin():
            session.add(_Stamp(id=1, at=datetime.datetime(2024, 1, 2, 13, 0, tzinfo=paris)))
        async with get_session_factory()() as session:
            at = await session.scalar(select(_Stamp.at))
        assert at == datetime.datetime(2024, 1, 2, 12, 0, tzinfo=datetime.UTC)
        assert at is not None
        assert at.tzinfo is datetime.UTC

    _run(body)


def test_a_caller_over_the_limit_is_a_429_until_the_next_window(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.rate_limit_requests, settings.rate_limit_window_s = 2, 60
    clock = [600.0]
    monkeypatch.setattr(rate_limit, "now", lambda: clock[0])

    async def body() -> None:
        await count_request("subject", "alice")
        await count_request("subject", "alice")
        with pytest.raises(ProblemError) as caught:
            await count_request("subject", "alice")
        assert (caught.value.status, caught.value.headers) == (429, {"Retry-After": "60"})
        await count_request("subject", "bob")  # a budget of its own
        clock[0] = 665.0  # the next window
        await count_request("subject", "alice")
        async with get_session_factory()() as session:
            windows = set(await session.scalars(select(RateLimitWindow.window)))
        assert windows == {600, 660}  # counts by caller, never the subject itself

    _run(body)


class _Created(BaseModel):
    number: int


def _request(body: object, key: str | None) -> Request:
    headers = [(b"content-type", b"application/json")]
    headers += [(b"idempotency-key", key.encode())] if key else []
    sent = json.dumps(body).encode()

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": sent, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/things", "headers": headers}
    return Request({**scope, "query_string": b""}, receive)


def test_a_retry_with_the_same_key_is_replayed_and_another_body_refused() -> None:
    runs: list[int] = []

    async def create() -> _Created:
        runs.append(len(runs) + 1)
        return _Created(number=len(runs))

    async def send(body: object, caller: str) -> Response:
        async with get_session_factory()() as session, session.begin():
            return await idempotent(
                _request(body, "key-1"), session, caller, route="/things", status=201, run=create
            )

    async def body() -> None:
        first = await send({"a": 1, "b": 2}, "alice")
        again = await send({"b": 2, "a": 1}, "alice")  # the same JSON, keys in another order
        assert (first.status_code, again.status_code, runs) == (201, 201, [1])
        assert (REPLAYED.lower() in first.headers, again.headers[REPLAYED]) == (False, "true")
        assert again.body == first.body == b'{"number":1}'
        with pytest.raises(ProblemError) as caught:
            await send({"a": 2}, "alice")
        assert caught.value.status == 422
        assert (await send({"a": 1, "b": 2}, "bob")).status_code == 201  # keys are per caller
        assert runs == [1, 2]

    _run(body)


def test_a_failed_request_frees_its_key() -> None:
    async def fail() -> _Created:
        raise ProblemError(409, "Taken")

    async def body() -> None:
        for _ in range(2):  # the retry runs again, and fails again
            async with get_session_factory()() as session, session.begin():
                with pytest.raises(ProblemError):
                    await idempotent(
                        _request({}, "key-2"), session, "", route="/things", status=201, run=fail
                    )
        async with get_session_factory()() as session:
            assert await session.scalar(select(IdempotencyRecord)) is None

    _run(body)


def test_readiness_is_a_503_problem_while_the_database_does_not_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(health.router)

    async def body() -> None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            assert (await client.get(LIVE)).json() == {"status": "alive"}
            assert (await client.get(READY)).json() == {"status": "ready"}
            monkeypatch.setattr(health, "get_engine", _unreachable_engine)
            refused = await client.get(READY)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "5"

    _run(body)


class _UnreachableEngine:
    """An engine whose database does not answer. Not a real engine pointed nowhere: the
    driver's thread of a connection that failed could outlive the test's event loop and
    report the closed loop during a later test."""

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[None]:
        raise OSError("connection refused")
        yield  # an async generator, for the context manager


def _unreachable_engine() -> _UnreachableEngine:
    return _UnreachableEngine()


class _Tagged(Base):
    __tablename__ = "tagged"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    tags: Mapped[JsonValue] = mapped_column(JSON)


def test_a_json_array_holds_an_item_and_a_path_value_names_a_row_by_its_key_or_slug() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()

    async def body() -> None:
        async with get_session_factory()() as session, session.begin():
            session.add(_Tagged(id=first, slug="first", tags=["red", "blue"]))
            session.add(_Tagged(id=second, slug="second", tags="red"))  # not an array
        async with get_session_factory()() as session:
            held = await session.scalars(select(_Tagged.slug).where(HoldsItem(_Tagged.tags, "red")))
            assert list(held) == ["first"]
            readers = ((_Tagged.id, uuid.UUID), (_Tagged.slug, str))
            for value, named in ((str(second), "second"), ("first", "first")):
                found = await session.scalar(select(_Tagged.slug).where(looked_up(value, *readers)))
                assert found == named

    _run(body)
