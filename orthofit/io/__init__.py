"""Reading and writing scans and profiles (everything that touches files lives here)."""

from orthofit.io.load import load
from orthofit.io.ofs import load_ofs, save_ofs

__all__ = ["load", "load_ofs", "save_ofs"]
