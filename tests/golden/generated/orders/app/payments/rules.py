"""Business rules of the `payments` domain. This file is yours: gen-backend writes it once
and never again. Override a method of PaymentsServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.payments.service import PaymentsServiceBase


class PaymentsService(PaymentsServiceBase):
    """The `payments` service: generated behaviour plus your rules."""
