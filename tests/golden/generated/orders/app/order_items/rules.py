"""Business rules of the `order_items` domain. This file is yours: gen-backend writes it once
and never again. Override a method of OrderItemsServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.order_items.service import OrderItemsServiceBase


class OrderItemsService(OrderItemsServiceBase):
    """The `order_items` service: generated behaviour plus your rules."""
