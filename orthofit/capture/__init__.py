"""Capturing from a mat: the journal, the capture modes and the recorder (no Qt)."""
