from decimal import Decimal
import pytest
from parse import parse_expense


def test_dot_amount():
    assert parse_expense("42.50 taxi") == (Decimal("42.50"), "taxi")


def test_comma_amount():
    assert parse_expense("42,50 taxi client visit") == (Decimal("42.50"), "taxi client visit")


def test_negative_rejected():
    with pytest.raises(ValueError):
        parse_expense("-3 coffee")
