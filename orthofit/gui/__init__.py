"""The desktop and the kiosk's screens (PyQt6, pyqtgraph): the only package that imports Qt.

This file itself imports nothing, so the command line can name the views without loading Qt.
"""

#: The desktop's tabs in order (``orthofit gui --screenshot FILE --view NAME`` names one).
VIEWS = ("patients", "capture", "analysis", "proposal", "compare", "kiosk", "settings")
