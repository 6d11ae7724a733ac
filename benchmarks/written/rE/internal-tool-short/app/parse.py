import re
from decimal import Decimal

AMOUNT = re.compile(r"^(\d+(?:[.,]\d{1,2})?)\s+(.+)$")


def parse_expense(text: str):
    """'/expense 42.50 taxi client visit' -> (Decimal('42.50'), 'taxi client visit')"""
    m = AMOUNT.match(text.strip())
    if not m:
        raise ValueError("format: /expense <amount> <description>")
    amount = Decimal(m.group(1).replace(",", "."))
    if amount <= 0:
        raise ValueError("amount must be positive")
    return amount, m.group(2)
