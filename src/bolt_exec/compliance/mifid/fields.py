"""The 65 fields of RTS 22 (2017/590 Annex I, Table 2), by number.

Names follow the two transcriptions cited in compliance-facts 1.2.3 [S17][S18].
The CSV export uses these names as its header, prefixed with the field number,
so a reader can match each column to the regulation.
"""

from __future__ import annotations

from typing import Final

__all__ = ["FIELD_NAMES", "REPEATABLE", "field_name"]

FIELD_NAMES: Final[dict[int, str]] = {
    1: "Report status",
    2: "Transaction Reference Number",
    3: "Trading venue transaction identification code",
    4: "Executing entity identification code",
    5: "Investment Firm covered by Directive 2014/65/EU",
    6: "Submitting entity identification code",
    7: "Buyer identification code",
    8: "Country of the branch for the buyer",
    9: "Buyer - first name(s)",
    10: "Buyer - surname(s)",
    11: "Buyer - date of birth",
    12: "Buyer decision maker code",
    13: "Buy decision maker - first name(s)",
    14: "Buy decision maker - surname(s)",
    15: "Buy decision maker - date of birth",
    16: "Seller identification code",
    17: "Country of the branch for the seller",
    18: "Seller - first name(s)",
    19: "Seller - surname(s)",
    20: "Seller - date of birth",
    21: "Seller decision maker code",
    22: "Sell decision maker - first name(s)",
    23: "Sell decision maker - surname(s)",
    24: "Sell decision maker - date of birth",
    25: "Transmission of order indicator",
    26: "Transmitting firm identification code for the buyer",
    27: "Transmitting firm identification code for the seller",
    28: "Trading date time",
    29: "Trading capacity",
    30: "Quantity",
    31: "Quantity currency",
    32: "Derivative notional increase/decrease",
    33: "Price",
    34: "Price currency",
    35: "Net amount",
    36: "Venue",
    37: "Country of the branch membership",
    38: "Up-front payment",
    39: "Up-front payment currency",
    40: "Complex trade component id",
    41: "Instrument identification code",
    42: "Instrument full name",
    43: "Instrument classification",
    44: "Notional currency 1",
    45: "Notional currency 2",
    46: "Price multiplier",
    47: "Underlying instrument code",
    48: "Underlying index name",
    49: "Term of the underlying index",
    50: "Option type",
    51: "Strike price",
    52: "Strike price currency",
    53: "Option exercise style",
    54: "Maturity date",
    55: "Expiry date",
    56: "Delivery type",
    57: "Investment decision within firm",
    58: "Country of the branch supervising the person responsible for the investment decision",
    59: "Execution within firm",
    60: "Country of the branch supervising the person responsible for the execution",
    61: "Waiver indicator",
    62: "Short selling indicator",
    63: "OTC post-trade indicator",
    64: "Commodity derivative indicator",
    65: "Securities financing transaction indicator",
}

#: Fields that may carry several codes (space-separated in CSV, repeated in XML).
REPEATABLE: Final[frozenset[int]] = frozenset({61, 63})


def field_name(number: int) -> str:
    """Return the Table 2 name of field ``number``."""
    return FIELD_NAMES[number]
