"""Idempotency-Key on creating requests, as the IETF httpapi draft describes: a retry with the
same key and body gets the first answer again, once, across every process of the service.

A key is scoped to the caller, the method and the route. The first request claims it (its own
short transaction, so a concurrent retry sees the claim: 409), runs, and stores its answer in
the same transaction as the rows it wrote; a retry with the same body replays that answer (with
`Idempotent-Replayed: true`), with another body it is a 422. A request that fails frees its
key. Keys expire after `IDEMPOTENCY_TTL_S`; a claim whose request died is taken over after
`IDEMPOTENCY_LOCK_S`."""

import datetime
import hashlib
import json
import re
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.datastructures import UploadFile

from app.core.config import get_settings
from app.core.db import Base, UtcDateTime, get_session_factory, utc_now
from app.core.names import IDEMPOTENCY_TABLE
from app.core.problem import ProblemError

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII, no spaces
_KEY = re.compile(KEY_PATTERN)


class IdempotencyRecord(Base):
    """A claimed key and, once its request is done, the answer to replay."""

    __tablename__ = IDEMPOTENCY_TABLE
    __table_args__ = (UniqueConstraint("scope", "method", "route", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(255))  # the caller's subject
    method: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(500))  # the path template
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical body
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime(), default=utc_now)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None while running
    media_type: Mapped[str | None] = mapped_column(String(255), nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


async def idempotent(
    request: Request,
    session: AsyncSession,
    scope: str,
    *,
    route: str,
    status: int,
    run: Callable[[], Awaitable[BaseModel | Response | None]],
    response_class: type[JSONResponse] = JSONResponse,
) -> Response:
    """Answer `run()` (a success with `status`) once per Idempotency-Key of the caller `scope`
    (its subject; "" for a public operation): replay the stored answer to a retry. Without a
    key the request simply runs."""
    key = request.headers.get(HEADER)
    if key is None:
        return _respond(await run(), status, response_class)
    if not _KEY.match(key):
        raise ProblemError(
            400,
            "The Idempotency-Key is not valid",
            detail="1 to 255 printable ASCII characters, no spaces",
        )
    where = (
        IdempotencyRecord.scope == scope,
        IdempotencyRecord.method == request.method,
        IdempotencyRecord.route == route,
        IdempotencyRecord.key == key,
    )
    fingerprint = await _fingerprint(request)
    claimed = await _claim(where, scope, request.method, route, key, fingerprint)
    if isinstance(claimed, Response):
        return claimed
    try:
        response = _respond(await run(), status, response_class)
    except BaseException:
        await session.rollback()  # end the request's transaction before freeing the key
        await _release(claimed)
        raise
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claimed)
        .values(status=response.status_code, media_type=response.media_type, body=response.body)
    )
    return response


async def _claim(
    where: tuple[ColumnElement[bool], ...],
    scope: str,
    method: str,
    route: str,
    key: str,
    fingerprint: str,
) -> int | Response:
    """Claim the key in a transaction of its own: the new record's id, or the answer to give
    instead (a replay, or a problem raised). The insert comes first, so that two claims race
    on the unique constraint (and SQLite takes its write lock before reading anything)."""
    settings = get_settings()
    for _ in range(3):  # again after clearing an expired or abandoned claim
        async with get_session_factory()() as session:
            record = IdempotencyRecord(
                scope=scope, method=method, route=route, key=key, fingerprint=fingerprint
            )
            session.add(record)
            try:
                await session.commit()
                return record.id
            except IntegrityError:
                await session.rollback()  # claimed already: by whom, and is it still good?
            found = await session.scalar(select(IdempotencyRecord).where(*where))
            if found is None:
                continue  # freed meanwhile
            age = (utc_now() - found.created_at).total_seconds()
            abandoned = found.status is None and age > settings.idempotency_lock_s
            if age <= settings.idempotency_ttl_s and not abandoned:
                return _answer(found, fingerprint)
            await session.delete(found)  # expired, or its request died: the key is free
            await session.commit()
    raise _in_progress()


def _answer(found: IdempotencyRecord, fingerprint: str) -> Response:
    """The answer to a retry of a claimed key."""
    if found.fingerprint != fingerprint:
        raise ProblemError(
            422,
            "The Idempotency-Key was used with another request body",
            detail="use a new key for a new request",
        )
    if found.status is None:
        raise _in_progress()
    return Response(
        found.body or b"",
        status_code=found.status,
        media_type=found.media_type,
        headers={REPLAYED: "true"},
    )


def _in_progress() -> ProblemError:
    return ProblemError(
        409, "A request with this Idempotency-Key is in progress", headers={"Retry-After": "1"}
    )


async def _release(record_id: int) -> None:
    async with get_session_factory()() as session, session.begin():
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


async def _fingerprint(request: Request) -> str:
    """SHA-256 of the request body, canonical: for JSON, key order and spacing do not count;
    a form counts by its fields (a file by its name and content)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields: list[list[str]] = []
        for name, value in (await request.form()).multi_items():  # parsed once, kept
            if isinstance(value, UploadFile):
                content = await value.read()
                await value.seek(0)
                fields.append([name, value.filename or "", hashlib.sha256(content).hexdigest()])
            else:
                fields.append([name, value])
        canonical = json.dumps(sorted(fields)).encode()
    else:
        body = await request.body()
        try:
            canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            canonical = body
    return hashlib.sha256(canonical).hexdigest()


def _respond(
    result: BaseModel | Response | None, status: int, response_class: type[JSONResponse]
) -> Response:
    """The response FastAPI would send for `result`, built here so that it can be stored."""
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=status)
    return response_class(result.model_dump(mode="json", by_alias=True), status_code=status)
