const test = require('tape');
const slugify = require('../');

test('slugify', function (t) {
  t.equal(slugify('A B'), 'a-b');
  t.end();
});

test('empty', function (t) {
  t.equal(slugify(''), '');
  t.end();
});

test('keeps digits', function (t) {
  t.ok(/1/.test(slugify('v1')));
  t.end();
});
