const assert = require('assert');
const due = (h) => h >= 24;

describe('due', () => {
  it('is due after a day', () => {
    assert.strictEqual(due(24), true);
  });
  it('is not due after an hour', () => {
    assert.strictEqual(due(1), false);
  });
  it('is due after a week', () => {
    assert.ok(due(168));
  });
});
