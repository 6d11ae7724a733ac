const { runOnce } = require('../src/reminder');
const { createMemoryStore } = require('../src/memoryStore');

const H = 60 * 60 * 1000;
const now = new Date('2025-03-10T12:00:00Z');

function setup() {
  const store = createMemoryStore({
    carts: [
      { id: 'c1', userId: 'u1', items: [{ sku: 'MUG', price: 12 }], updatedAt: new Date(now - 24 * H).toISOString() },
      { id: 'c2', userId: 'u2', items: [{ sku: 'TEE', price: 25 }], updatedAt: new Date(now - 2 * H).toISOString() },
      { id: 'c3', userId: 'u3', items: [{ sku: 'CAP', price: 15 }], updatedAt: new Date(now - 24 * H).toISOString() },
    ],
    users: [
      { id: 'u1', email: 'one@example.com' },
      { id: 'u2', email: 'two@example.com' },
      { id: 'u3', email: 'three@example.com', optedOut: true },
    ],
  });
  const mailer = { send: jest.fn().mockResolvedValue(undefined) };
  const promos = { createCode: jest.fn().mockResolvedValue('CART10-TEST') };
  return { store, mailer, promos };
}

test('sends one reminder to the abandoned cart only', async () => {
  const deps = setup();
  const result = await runOnce({ ...deps, now });
  expect(result).toEqual({ sent: 1, failed: 0 });
  expect(deps.mailer.send).toHaveBeenCalledTimes(1);
  const msg = deps.mailer.send.mock.calls[0][0];
  expect(msg.to).toBe('one@example.com');
  expect(msg.data.items).toEqual([{ sku: 'MUG', price: 12 }]);
  expect(msg.data.code).toBe('CART10-TEST');
  expect(msg.data.expiresAt).toBe('2025-03-12T12:00:00.000Z');
});

test('running twice does not send twice', async () => {
  const deps = setup();
  await runOnce({ ...deps, now });
  await runOnce({ ...deps, now });
  expect(deps.mailer.send).toHaveBeenCalledTimes(1);
});

test('a failing send is counted and the cart stays un-reminded', async () => {
  const deps = setup();
  const err = Object.assign(new Error('provider down'), { code: 'ESMTP' });
  deps.mailer.send.mockRejectedValueOnce(err);
  const result = await runOnce({ ...deps, now });
  expect(result).toEqual({ sent: 0, failed: 1 });
  expect(deps.store._cart('c1').reminderSentAt).toBeUndefined();
});
