"""Business rules of the `attachments` domain. This file is yours: gen-backend writes it once
and never again. Override a method of AttachmentsServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.attachments.service import AttachmentsServiceBase


class AttachmentsService(AttachmentsServiceBase):
    """The `attachments` service: generated behaviour plus your rules."""
