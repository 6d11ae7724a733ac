const total = require('./cart');

test('adds prices', () => {
  expect(total([2, 3])).toBe(5);
});

test('empty is zero', () => {
  expect(total([])).toBe(0);
});
