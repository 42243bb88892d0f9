"""Public test kit: fake venues that speak real wire protocols, builders and strategies."""
