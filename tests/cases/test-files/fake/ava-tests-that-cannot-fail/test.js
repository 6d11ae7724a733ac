import test from 'ava';

test('works', t => {
  t.pass();
});

test('is true', t => {
  t.true(true);
});

test('equal', t => {
  t.is(1, 1);
});
