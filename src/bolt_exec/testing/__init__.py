"""The public test kit: builders, hypothesis strategies, fake venues, the adapter contract."""
