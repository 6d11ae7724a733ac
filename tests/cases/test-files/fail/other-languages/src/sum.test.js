test('adds', () => {
  expect(true).toBe(true);
});
// expect(sum(1,2)).toBe(3)
