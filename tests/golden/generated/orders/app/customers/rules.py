"""Business rules of the `customers` domain. This file is yours: gen-backend writes it once
and never again. Override a method of CustomersServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.customers.service import CustomersServiceBase


class CustomersService(CustomersServiceBase):
    """The `customers` service: generated behaviour plus your rules."""
