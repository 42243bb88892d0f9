"""Public test kit: fake venues that speak the real wire protocols, and the adapter contract."""
