const fee = require('./fees');

test('small payments pay the minimum', () => {
  expect(fee(20)).toBe(1);
});

test('large payments pay one percent', () => {
  expect(fee(5000)).toBe(50);
});

test('the boundary is one hundred', () => {
  expect(fee(100)).toBe(1);
});
