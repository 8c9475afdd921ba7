"""Business rules of the `customer_documents` domain. This file is yours: gen-backend writes it once
and never again. Override a method of CustomerDocumentsServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.customer_documents.service import CustomerDocumentsServiceBase


class CustomerDocumentsService(CustomerDocumentsServiceBase):
    """The `customer_documents` service: generated behaviour plus your rules."""
