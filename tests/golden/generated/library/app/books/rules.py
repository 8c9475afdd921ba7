"""Business rules of the `books` domain. This file is yours: gen-backend writes it once
and never again. Override a method of BooksServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.books.service import BooksServiceBase


class BooksService(BooksServiceBase):
    """The `books` service: generated behaviour plus your rules."""
