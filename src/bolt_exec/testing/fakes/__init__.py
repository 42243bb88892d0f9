"""Fake venues that speak the real wire protocols on 127.0.0.1 (one sub-package per venue)."""
