"""Business rules of the `orders` domain. This file is yours: gen-backend writes it once
and never again. Override a method of OrdersServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.orders.service import OrdersServiceBase


class OrdersService(OrdersServiceBase):
    """The `orders` service: generated behaviour plus your rules."""
