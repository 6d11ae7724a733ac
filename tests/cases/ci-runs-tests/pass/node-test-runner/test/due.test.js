const test = require('node:test');
const assert = require('node:assert');
const due = require('../src/due');

test('due after a day', () => {
  assert.strictEqual(due(25), true);
});

test('not due soon', () => {
  assert.strictEqual(due(2), false);
});

test('boundary', () => {
  assert.equal(due(24), true);
});
