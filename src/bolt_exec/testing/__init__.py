"""Public test kit: fake venues that speak the real protocols, builders, contract suite."""
