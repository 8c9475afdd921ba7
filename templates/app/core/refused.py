"""Methods a literal path refuses."""

from fastapi import FastAPI
from starlette.exceptions import HTTPException

from app.core.errors import REFUSED


def refuse_methods(app: FastAPI, path: str, methods: list[str]) -> None:
    """Answer `methods` at `path` with 405: a literal path (`/pet/findByStatus`) that a path
    with a parameter in its place (`/pet/{petId}`) also takes would otherwise hand them to
    that route, whose parameter refuses its value (422)."""

    async def refuse() -> None:
        raise HTTPException(405)

    app.add_api_route(path, refuse, methods=methods, name=REFUSED, include_in_schema=False)
