"""Parameterized data access to the rows of one table, for every domain. Imports no domain."""

from collections.abc import Mapping, Sequence
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, inspect, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import ORMOption

from app.core.db import Base
from app.core.problem import ProblemError

Row = TypeVar("Row", bound=Base)
# the most rows a table holds: a 64-bit count, the widest offset a database takes
MAX_ROWS = 2**63 - 1
# loader options (`joinedload(...)`, `selectinload(...)`): the related rows a response embeds,
# loaded with the rows themselves; relationships are never loaded lazily (they raise)
Loads = Sequence[ORMOption]


class Repository(Generic[Row]):
    """Loads and stores rows of one table; queries are built, never formatted as strings."""

    def __init__(self, session: AsyncSession, model: type[Row]) -> None:
        self.session = session
        self.model = model

    def values(self, fields: Mapping[str, object]) -> dict[str, object]:
        """A body's `fields` as the row's values: None is kept only for a nullable column, so
        a NOT NULL column sent nothing keeps its value (in a new row, its database default)."""
        columns = inspect(self.model).columns
        return {
            name: value
            for name, value in fields.items()
            if value is not None or (name in columns and columns[name].nullable)
        }

    async def exists(self, model: type[Base], *conditions: ColumnElement[bool]) -> bool:
        """Whether a row of `model` (any table) meets `conditions`."""
        found = await self.session.scalar(
            select(literal(1)).select_from(model).where(*conditions).limit(1)
        )
        return found is not None

    async def find(self, *conditions: ColumnElement[bool], load: Loads = ()) -> Row | None:
        result = await self.session.execute(
            select(self.model).where(*conditions).options(*load).limit(1)
        )
        return result.scalars().first()

    async def get(self, *conditions: ColumnElement[bool], load: Loads = ()) -> Row:
        """The row that meets `conditions`, else a 404 ("Book not found")."""
        row = await self.find(*conditions, load=load)
        if row is None:
            raise ProblemError(404, f"{self.model.__name__} not found")
        return row

    async def page(
        self,
        *conditions: ColumnElement[bool],
        order_by: Sequence[tuple[InstrumentedAttribute[object], bool]],
        limit: int | None,
        offset: int,
        after: ColumnElement[bool] | None = None,
        load: Loads = (),
    ) -> tuple[list[Row], int]:
        """One page of rows in a stable order (`order_by`: (column, descending) pairs, the
        primary key last; nulls last on every engine), and how many rows match in all.
        `after` is a keyset condition (a cursor): it narrows the page, not the total."""
        ordering = [
            (column.desc() if descending else column.asc()).nulls_last()
            for column, descending in order_by
        ]
        narrowed = [*conditions, after] if after is not None else list(conditions)
        total = await self.session.scalar(
            select(func.count()).select_from(self.model).where(*conditions)
        )
        if offset > MAX_ROWS:  # a page no table reaches: no query (its offset would overflow)
            return [], int(total or 0)
        rows = await self.session.execute(
            select(self.model)
            .where(*narrowed)
            .options(*load)
            .order_by(*ordering)
            .limit(limit)
            .offset(offset)
        )
        return list(rows.scalars().all()), int(total or 0)

    async def add(self, row: Row, load: Loads = ()) -> Row:
        self.session.add(row)
        await self.session.flush()
        return await self._read_back(row, load)

    async def update(self, row: Row, values: Mapping[str, object], load: Loads = ()) -> Row:
        for name, value in values.items():
            setattr(row, name, value)
        await self.session.flush()
        return await self._read_back(row, load)

    async def _read_back(self, row: Row, load: Loads) -> Row:
        """`row` as the database now holds it (what it filled in), with the related rows
        `load` names, in one statement."""
        if not load:
            await self.session.refresh(row)
            return row
        mapper = inspect(self.model)
        key = mapper.primary_key_from_instance(row)
        # expired, every attribute is read again by the query below; populate_existing would
        # instead overwrite the row's loaded relationships when a loaded collection meets it
        self.session.expire(row)
        result = await self.session.execute(
            select(self.model)
            .where(
                *(column == value for column, value in zip(mapper.primary_key, key, strict=True))
            )
            .options(*load)
        )
        return result.scalars().one()

    async def delete(self, row: Row) -> None:
        await self.session.delete(row)
        await self.session.flush()
