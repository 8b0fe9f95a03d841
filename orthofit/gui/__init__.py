"""The podiatrist's desktop application (PyQt6, pyqtgraph): the only package that imports Qt."""
