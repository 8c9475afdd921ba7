"""The database: declarative base with the naming convention, the engine and its pool, and one
session (one transaction) per request."""

import datetime
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic_core import to_json
from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry

from app.core.config import get_settings

# the same convention the schema design's unnamed constraints were named by
NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utc_now() -> datetime.datetime:
    """Now, in UTC: the default of `timestamptz` columns designed to default to now()."""
    return datetime.datetime.now(datetime.UTC)


class UtcDateTime(TypeDecorator[datetime.datetime]):
    """`timestamp with time zone` that always answers aware datetimes. PostgreSQL keeps the
    zone; SQLite has none, so values are stored in UTC there and read back as UTC. A naive
    datetime is taken to be UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime.datetime]:
        return datetime.datetime

    def process_bind_param(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value


def json_text(value: object) -> str:
    """A JSON column's value as text: a date, UUID or decimal in it (a request's, parsed) is
    written as the API writes it, instead of failing json.dumps."""
    return to_json(value).decode()


def _configure_sqlite(connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    """Foreign keys enforced, and write-ahead logging: readers and the writer no longer block
    each other, and a commit writes the log once instead of a journal and the file."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@lru_cache
def get_engine() -> AsyncEngine:
    settings = get_settings()
    if settings.is_sqlite:
        # SQLite takes one writer at a time: the others wait for its lock as long as a request
        # waits for a pooled connection elsewhere, instead of sqlite3's 5 seconds
        engine = create_async_engine(
            settings.database_url,
            echo=settings.db_echo,
            json_serializer=json_text,
            connect_args={"timeout": settings.db_pool_timeout_s},
        )
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        return engine
    return create_async_engine(
        settings.database_url,
        echo=settings.db_echo,
        json_serializer=json_text,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_pre_ping=True,
    )


@lru_cache
def get_session_factory() -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(get_engine(), expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed when the handler returns, rolled back if not."""
    async with get_session_factory()() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
