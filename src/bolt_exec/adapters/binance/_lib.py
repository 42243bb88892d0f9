"""The one place python-binance is imported.

python-binance 1.0.37 imports ``websockets.WebSocketClientProtocol``, which
websockets 14+ deprecates with a DeprecationWarning at import time. The warning
is the library's to fix; silencing exactly that message here keeps projects that
run with ``-W error`` (ours does) able to import the adapter.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message=r"websockets\.\S+ is deprecated", category=DeprecationWarning
    )
    from binance import AsyncClient
    from binance.exceptions import BinanceAPIException, BinanceRequestException

__all__ = ["AsyncClient", "BinanceAPIException", "BinanceRequestException"]
