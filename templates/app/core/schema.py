"""The base of every API schema."""

from pydantic import BaseModel, ConfigDict


class ApiSchema(BaseModel):
    """A schema of the spec: its fields are read by their Python or wire name, from a request
    or from an ORM row; its patterns use Python's `re`, which knows the spec's lookarounds."""

    model_config = ConfigDict(populate_by_name=True, from_attributes=True, regex_engine="python-re")
