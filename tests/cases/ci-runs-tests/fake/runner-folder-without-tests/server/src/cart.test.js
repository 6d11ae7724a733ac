const total = require('./cart');

test('adds', () => {
  expect(total([2, 3])).toBe(5);
});
