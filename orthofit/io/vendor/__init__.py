"""Readers of the files other pressure systems export (chosen by content in io/load.py)."""
