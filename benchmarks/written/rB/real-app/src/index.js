const { createServer } = require('./server');
const { runOnce } = require('./reminder');
const { createMemoryStore } = require('./memoryStore');

const PORT = process.env.PORT || 8080;
const INTERVAL_MS = 10 * 60 * 1000;

const store = createMemoryStore();
const mailer = { async send(msg) { console.log(JSON.stringify({ msg: 'send', to: msg.to })); } };
const promos = { async createCode() { return `CART10-${Math.random().toString(36).slice(2, 8).toUpperCase()}`; } };
const state = { lastRunOk: true };

async function tick() {
  try {
    const result = await runOnce({ store, mailer, promos });
    state.lastRunOk = true;
    console.log(JSON.stringify({ msg: 'run', ...result }));
  } catch (err) {
    state.lastRunOk = false;
    console.error(JSON.stringify({ msg: 'run failed', error: err.message }));
  }
}

createServer({ store, state }).listen(PORT, () => console.log(`listening on ${PORT}`));
setInterval(tick, INTERVAL_MS);
tick();
