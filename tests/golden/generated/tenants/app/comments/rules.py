"""Business rules of the `comments` domain. This file is yours: gen-backend writes it once
and never again. Override a method of CommentsServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.comments.service import CommentsServiceBase


class CommentsService(CommentsServiceBase):
    """The `comments` service: generated behaviour plus your rules."""
