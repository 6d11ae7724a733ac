from django.test import TestCase
from shop.models import Cart


class CartTests(TestCase):
    def test_total(self):
        self.assertEqual(Cart(items=[2, 3]).total(), 5)

    def test_empty(self):
        self.assertEqual(Cart(items=[]).total(), 0)

    def test_str(self):
        self.assertIn("Cart", str(Cart(items=[])))
