"""Reading, validating and writing county folders."""

from layout.io.read import read_county
from layout.io.write import atomic_write_bytes, atomic_write_text, write_county

__all__ = ["read_county", "write_county", "atomic_write_text", "atomic_write_bytes"]
