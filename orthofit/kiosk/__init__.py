"""The kiosk: a guided scan a patient can do alone (the flow has no Qt; screens come on top)."""
