// In-memory store used for local runs and tests. Production uses the shop's Postgres
// through the same four functions (see NOTES.md, not done yet).
function createMemoryStore({ carts = [], users = [] } = {}) {
  const cartMap = new Map(carts.map((c) => [c.id, { ...c }]));
  const userMap = new Map(users.map((u) => [u.id, { ...u }]));
  return {
    async listOpenCarts() {
      return [...cartMap.values()].filter((c) => !c.orderId);
    },
    async getUser(id) {
      return userMap.get(id);
    },
    async markReminded(cartId, sentAt, code) {
      const c = cartMap.get(cartId);
      c.reminderSentAt = sentAt;
      c.reminderCode = code;
    },
    async optOut(userId) {
      const u = userMap.get(userId);
      if (u) u.optedOut = true;
    },
    _cart: (id) => cartMap.get(id),
    _user: (id) => userMap.get(id),
  };
}

module.exports = { createMemoryStore };
