"""Rows owned by callers: the conditions that keep a caller's own rows, and the caller told to
PostgreSQL's row-level security."""

import json
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.core.principal import Principal

Owner = TypeVar("Owner")


def owned_by(
    owner: InstrumentedAttribute[Owner],
    principal: Principal | None,
    bypass_roles: frozenset[str],
    *,
    subject_as: Callable[[str], Owner],
) -> list[ColumnElement[bool]]:
    """The conditions that keep only `principal`'s rows (by the `owner` column, whose type
    `subject_as` reads the token's subject as), none for a bypass role; a subject that cannot
    be an owner (not a UUID for a UUID column, not a number for an integer one) owns none."""
    if principal is not None and principal.roles & bypass_roles:
        return []
    if principal is None:
        return [false()]
    try:
        return [owner == subject_as(principal.subject)]
    except ValueError:
        return [false()]


async def scope_transaction(session: AsyncSession, principal: Principal | None) -> None:
    """Tell PostgreSQL's row-level security who asks, for this transaction only: the
    subject (`app.user_id`, who sees the rows it owns) and roles (`app.roles`, a JSON array:
    an owned table's bypass roles see all its rows). The services' owner filters still
    apply; this is the second wall. Other engines have no row-level security."""
    if session.get_bind().dialect.name != "postgresql":
        return
    subject = principal.subject if principal is not None else ""
    roles = sorted(principal.roles) if principal is not None else []
    await session.execute(
        select(
            func.set_config("app.user_id", subject, True),
            func.set_config("app.roles", json.dumps(roles), True),
        )
    )
