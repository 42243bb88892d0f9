"""Backtests: market data as arrays, synthetic data, the engine and its results."""
