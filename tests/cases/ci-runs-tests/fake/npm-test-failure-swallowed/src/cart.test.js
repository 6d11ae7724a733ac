const total = require('./cart');

test('adds', () => {
  expect(total([2, 3])).toBe(5);
});

test('empty', () => {
  expect(total([])).toBe(0);
});

test('one', () => {
  expect(total([1])).toBe(1);
});
