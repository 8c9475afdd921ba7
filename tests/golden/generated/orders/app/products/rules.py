"""Business rules of the `products` domain. This file is yours: gen-backend writes it once
and never again. Override a method of ProductsServiceBase to add a rule, and implement the
operations that answer 501 (not implemented) until you do."""

from app.products.service import ProductsServiceBase


class ProductsService(ProductsServiceBase):
    """The `products` service: generated behaviour plus your rules."""
