import unittest

def test_nothing():
    assert True

def test_one():
    assert 1

def test_const_compare():
    assert 1 == 1

def test_empty():
    pass

class T(unittest.TestCase):
    def test_true(self):
        self.assertTrue(True)
