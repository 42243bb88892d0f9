"""Bundled sample market data (see bolt_exec.backtest.sample)."""
