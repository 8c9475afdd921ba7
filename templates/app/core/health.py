"""Liveness and readiness, for load balancers and orchestrators: not in the OpenAPI document
(the document is the spec's), public, and not rate limited.

`LIVE` (`/healthz`, unless the spec has that path) answers while the process serves requests;
`READY` (`/readyz`) only when the database answers too (a 503 problem otherwise), so that a
process that lost its database is taken out of rotation instead of answering 500s."""

import asyncio
import logging

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import get_settings
from app.core.db import get_engine
from app.core.names import LIVE, READY
from app.core.problem import ProblemError

logger = logging.getLogger("app.health")
router = APIRouter(include_in_schema=False)


class Health(BaseModel):
    status: str


@router.get(LIVE)
async def live() -> Health:
    return Health(status="alive")


@router.get(READY)
async def ready() -> Health:
    try:
        async with asyncio.timeout(get_settings().readiness_timeout_s):
            async with get_engine().connect() as connection:
                await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        logger.warning("not ready: the database does not answer: %s", error)
        raise ProblemError(
            503, "Not ready", detail="the database does not answer", headers={"Retry-After": "5"}
        ) from None
    return Health(status="ready")
