import pytest

from shop.cart import Cart


def test_empty_cart_totals_zero():
    assert Cart().total() == 0


def test_adding_an_item_counts_it():
    cart = Cart()
    cart.add("pen", 2)
    assert cart.count() == 1


def test_negative_quantity_is_refused():
    with pytest.raises(ValueError):
        Cart().add("pen", -1)

