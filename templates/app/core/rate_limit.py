"""Rate limits: at most `RATE_LIMIT_REQUESTS` requests per caller in each window of
`RATE_LIMIT_WINDOW_S` seconds; beyond that, a 429 with `Retry-After` (the seconds until the
window ends). Off (0) by default.

A caller is its subject once it is recognised (so one user behind many addresses has one
budget, and many users behind one proxy have their own), else its address: public routes and
failed sign-ins count against the address. Requests are counted in the database, in a
transaction of their own, so the limit holds across every process of the service and a
request that fails still counts. Windows are fixed: a caller may spend one budget at the end
of a window and the next at the start of the next one."""

import hashlib
import logging
import math
import time

from fastapi import Request
from sqlalchemy import BigInteger, Integer, String, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.config import get_settings
from app.core.db import Base, get_session_factory
from app.core.names import RATE_LIMIT_TABLE
from app.core.problem import ProblemError

logger = logging.getLogger("app.rate_limit")


class RateLimitWindow(Base):
    """A caller's count in its current window: one row per caller, reset by its first request
    in a new window."""

    __tablename__ = RATE_LIMIT_TABLE

    # SHA-256 of the caller: neither subjects nor addresses are kept
    caller: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, index=True)  # its start, in Unix seconds
    hits: Mapped[int] = mapped_column(Integer)


def now() -> float:
    """The clock the windows are cut from (Unix seconds; the tests move it)."""
    return time.time()


def address_of(request: Request) -> str:
    """The caller's address: the client's host (behind a proxy, run uvicorn with
    `--proxy-headers` and `--forwarded-allow-ips` so that this is the client's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


async def limit_by_address(request: Request) -> None:
    """The dependency of public routes: count the request against the caller's address."""
    await count_request("address", address_of(request))


async def count_request(kind: str, who: str) -> None:
    """Count one request of the caller `who` (a `kind`: "subject" or "address"); a 429 when it
    is over the limit."""
    settings = get_settings()
    if settings.rate_limit_requests == 0:
        return
    window_s = settings.rate_limit_window_s
    moment = now()
    window = int(moment // window_s) * window_s
    caller = caller_key(kind, who)
    async with get_session_factory()() as session, session.begin():
        hits = await _count(session, caller, window)
    if hits == 1:  # the caller's first request in this window: drop long-finished windows
        await _forget_before(window - window_s)
    if hits > settings.rate_limit_requests:
        raise ProblemError(
            429,
            "Too many requests",
            detail=f"at most {settings.rate_limit_requests} requests in {window_s} seconds",
            headers={"Retry-After": str(max(1, math.ceil(window + window_s - moment)))},
        )


def caller_key(kind: str, who: str) -> str:
    """The key a caller is counted under: a hash, so neither subjects nor addresses are kept."""
    return hashlib.sha256(f"{kind}:{who}".encode()).hexdigest()


async def _count(session: AsyncSession, caller: str, window: int) -> int:
    """Add the request to the caller's count, restarting it in a new window, and answer the
    count: one statement, atomic, so concurrent requests each get a count of their own."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(RateLimitWindow).values(caller=caller, window=window, hits=1)
    upsert = statement.on_conflict_do_update(
        index_elements=[RateLimitWindow.caller],
        set_={
            "window": statement.excluded.window,
            "hits": case(
                (RateLimitWindow.window == statement.excluded.window, RateLimitWindow.hits + 1),
                else_=1,
            ),
        },
    ).returning(RateLimitWindow.hits)
    return (await session.execute(upsert)).scalar_one()


async def _forget_before(window: int) -> None:
    """Delete the counts of windows before `window`, so callers who went away leave no rows.
    Housekeeping only: a failure is logged, never the request's."""
    try:
        async with get_session_factory()() as session, session.begin():
            await session.execute(delete(RateLimitWindow).where(RateLimitWindow.window < window))
    except DBAPIError as error:
        logger.warning("could not delete finished rate limit windows: %s", error)
