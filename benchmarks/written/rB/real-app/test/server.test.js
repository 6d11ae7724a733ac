const request = require('supertest');
const { createServer } = require('../src/server');
const { createMemoryStore } = require('../src/memoryStore');

test('healthz answers ok', async () => {
  const app = createServer({ store: createMemoryStore() });
  const res = await request(app).get('/healthz');
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('ok');
});

test('readyz is 503 after a failed run', async () => {
  const app = createServer({ store: createMemoryStore(), state: { lastRunOk: false } });
  const res = await request(app).get('/readyz');
  expect(res.status).toBe(503);
});

test('metrics exposes the reminder counters', async () => {
  const app = createServer({ store: createMemoryStore() });
  const res = await request(app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.text).toContain('cart_reminders_sent_total');
  expect(res.text).toContain('cart_reminders_failed_total');
});

test('unsubscribe opts the user out', async () => {
  const store = createMemoryStore({ users: [{ id: 'u1', email: 'a@example.com' }] });
  const app = createServer({ store });
  const res = await request(app).get('/unsubscribe?u=u1');
  expect(res.status).toBe(200);
  expect(store._user('u1').optedOut).toBe(true);
});
