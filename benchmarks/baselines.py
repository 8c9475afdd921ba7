"""The two baselines `serve_library.py` measures the generated library service against, doing
the same queries and answering the same JSON for `GET /books?limit=20` (a page and its total,
ordered by id) and `GET /books/{id}`, each book with its author embedded:

- `orm_app`: a careful hand-written FastAPI + SQLAlchemy ORM service (pydantic response models,
  a session per request, the bearer token verified with PyJWT, the spec's query parameters
  validated and its filters and sorts applied), as a person would write it;
- `raw_app`: Starlette + an asyncpg pool and hand-built JSON, no ORM, no validation, no auth:
  the limit of this stack.

Both read `BENCH_DATABASE_URL` (a `postgresql+asyncpg://` URL) and `BENCH_JWT_SECRET`."""

from __future__ import annotations

import datetime
import decimal
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

import asyncpg
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Numeric,
    String,
    Text,
    UnaryExpression,
    Uuid,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, joinedload, mapped_column, relationship
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
SECRET = os.environ.get("BENCH_JWT_SECRET", "")


class Base(DeclarativeBase):
    pass


class AuthorRow(Base):
    __tablename__ = "authors"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))


class BookRow(Base):
    __tablename__ = "books"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[AuthorRow] = relationship(lazy="raise")
    isbn: Mapped[str] = mapped_column(String(13))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String())
    published_on: Mapped[datetime.date | None] = mapped_column(Date())
    in_stock: Mapped[bool] = mapped_column(Boolean())
    price: Mapped[decimal.Decimal | None] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))


class Author(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)
    id: uuid.UUID
    name: str
    bio: str | None
    created_at: datetime.datetime = Field(alias="createdAt")


class Book(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)
    id: uuid.UUID
    author_id: uuid.UUID = Field(alias="authorId")
    isbn: str
    title: str
    status: str
    published_on: datetime.date | None = Field(alias="publishedOn")
    in_stock: bool = Field(alias="inStock")
    price: float | None
    created_at: datetime.datetime = Field(alias="createdAt")
    author: Author


class BookPage(BaseModel):
    items: list[Book]
    total: int


# the generated service's pool: 10 connections, no overflow, each checked before use
engine = (
    create_async_engine(DATABASE_URL, pool_size=10, max_overflow=0, pool_pre_ping=True)
    if DATABASE_URL
    else None
)
sessions = async_sessionmaker(engine, expire_on_commit=False) if engine else None


async def session() -> AsyncIterator[AsyncSession]:
    assert sessions is not None
    async with sessions() as db:
        yield db


def caller(authorization: Annotated[str, Header()] = "") -> str:
    """The token's subject; 401 without a valid token (as the generated service does)."""
    try:
        claims = jwt.decode(
            authorization.removeprefix("Bearer "),
            SECRET,
            algorithms=["HS256"],
            audience="library-api",
            issuer="https://auth.library.example/",
        )
    except jwt.PyJWTError:
        raise HTTPException(401) from None
    return str(claims["sub"])


orm_app = FastAPI()


SORTS: dict[str, UnaryExpression[str] | UnaryExpression[datetime.datetime]] = {
    "title": BookRow.title.asc(),
    "-title": BookRow.title.desc(),
    "created_at": BookRow.created_at.asc(),
    "-created_at": BookRow.created_at.desc(),
}


@orm_app.get("/books", response_model=BookPage, response_model_by_alias=True)
async def list_books(  # the spec's listBooks: its parameters, filters and sorts
    db: Annotated[AsyncSession, Depends(session)],
    _: Annotated[str, Depends(caller)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    author: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    published_after: datetime.date | None = None,
    available: bool | None = None,
    status: Literal["draft", "published", "archived"] | None = None,
    sort: Literal["title", "-title", "created_at", "-created_at"] | None = None,
) -> BookPage:
    conditions: list[ColumnElement[bool]] = []
    if author is not None:
        conditions.append(BookRow.author_id == author)
    if q is not None:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(
            or_(BookRow.title.ilike(pattern, escape="\\"), BookRow.isbn.ilike(pattern, escape="\\"))
        )
    if published_after is not None:
        conditions.append(BookRow.published_on >= published_after)
    if available:
        conditions.append(BookRow.in_stock.is_(True))
    if status is not None:
        conditions.append(BookRow.status == status)
    order = [SORTS[sort]] if sort else []
    total = await db.scalar(select(func.count()).select_from(BookRow).where(*conditions))
    rows = await db.scalars(
        select(BookRow)
        .options(joinedload(BookRow.author))
        .where(*conditions)
        .order_by(*order, BookRow.id)
        .limit(limit)
        .offset(offset)
    )
    return BookPage(items=[Book.model_validate(r) for r in rows], total=total or 0)


@orm_app.get("/books/{book_id}", response_model=Book, response_model_by_alias=True)
async def get_book(
    book_id: uuid.UUID,
    db: Annotated[AsyncSession, Depends(session)],
    _: Annotated[str, Depends(caller)],
) -> Book:
    row = await db.get(BookRow, book_id, options=[joinedload(BookRow.author)])
    if row is None:
        raise HTTPException(404)
    return Book.model_validate(row)


_pool: asyncpg.Pool | None = None
_SELECT = (
    "SELECT b.id, b.author_id, b.isbn, b.title, b.status, b.published_on, b.in_stock, b.price,"
    " b.created_at, a.name AS author_name, a.bio AS author_bio,"
    " a.created_at AS author_created_at FROM books b JOIN authors a ON a.id = b.author_id"
)


def _book(record: asyncpg.Record) -> dict[str, object]:
    published = record["published_on"]
    price = record["price"]
    return {
        "id": str(record["id"]),
        "authorId": str(record["author_id"]),
        "isbn": record["isbn"],
        "title": record["title"],
        "status": record["status"],
        "publishedOn": published.isoformat() if published else None,
        "inStock": record["in_stock"],
        "price": float(price) if price is not None else None,
        "createdAt": record["created_at"].isoformat(),
        "author": {
            "id": str(record["author_id"]),
            "name": record["author_name"],
            "bio": record["author_bio"],
            "createdAt": record["author_created_at"].isoformat(),
        },
    }


async def _raw_list(request: Request) -> Response:
    assert _pool is not None
    limit = int(request.query_params.get("limit", "20"))
    offset = int(request.query_params.get("offset", "0"))
    async with _pool.acquire() as connection:
        total = await connection.fetchval("SELECT count(*) FROM books")
        rows = await connection.fetch(f"{_SELECT} ORDER BY b.id LIMIT $1 OFFSET $2", limit, offset)
    body = {"items": [_book(r) for r in rows], "total": total}
    return Response(json.dumps(body), media_type="application/json")


async def _raw_get(request: Request) -> Response:
    assert _pool is not None
    async with _pool.acquire() as connection:
        row = await connection.fetchrow(
            f"{_SELECT} WHERE b.id = $1", uuid.UUID(request.path_params["id"])
        )
    if row is None:
        return Response(status_code=404)
    return Response(json.dumps(_book(row)), media_type="application/json")


@asynccontextmanager
async def _raw_lifespan(_: Starlette) -> AsyncIterator[None]:
    global _pool
    _pool = await asyncpg.create_pool(
        DATABASE_URL.replace("postgresql+asyncpg://", "postgresql://"), min_size=10, max_size=10
    )
    yield
    await _pool.close()


raw_app = Starlette(
    routes=[Route("/books", _raw_list), Route("/books/{id}", _raw_get)], lifespan=_raw_lifespan
)
