"""Business rules of the `authors` domain. This file is yours: gen-backend writes it once
and never again. Override a method of AuthorsServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.authors.service import AuthorsServiceBase


class AuthorsService(AuthorsServiceBase):
    """The `authors` service: generated behaviour plus your rules."""
