"""The base of every API schema."""

from typing import Self

from pydantic import BaseModel, ConfigDict


class ApiSchema(BaseModel):
    """A schema of the spec. A request is read by the wire names alone, so a property that
    happens to spell a field's Python name is never taken for it; its patterns use Python's
    `re`, which knows the spec's lookarounds."""

    model_config = ConfigDict(regex_engine="python-re")

    @classmethod
    def from_row(cls, row: object) -> Self:
        """The schema of an ORM row (and of the rows it embeds), read by attribute names."""
        return cls.model_validate(row, from_attributes=True, by_alias=False, by_name=True)
