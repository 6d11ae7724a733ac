import pytest
from app import add

def test_add():
    assert add(1, 2) == 3

def test_raises():
    with pytest.raises(ValueError):
        add("a", None)

class TestMore:
    def test_neg(self):
        assert add(-1, 1) == 0
