"""Reports: content built first (no reportlab), then rendered to PDF and SVG (reportlab)."""
