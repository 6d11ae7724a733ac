import unittest
class T(unittest.TestCase):
    def test_a(self):
        self.assertEqual(f(2), 4)
