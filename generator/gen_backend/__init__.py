"""gen-backend: turn a backend-design handoff into a layered FastAPI backend."""

__version__ = "0.1.0"
