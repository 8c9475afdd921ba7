"""Stage 1, load: read the handoff's files into raw, typed parts. Nothing is inferred here."""

from gen_backend.load.handoff import RawHandoff, load_handoff

__all__ = ["RawHandoff", "load_handoff"]
