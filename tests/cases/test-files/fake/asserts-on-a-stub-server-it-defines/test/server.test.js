const http = require('http');

let server;
beforeAll((done) => {
  server = http.createServer((req, res) => res.end('ok')).listen(3001, done);
});
afterAll(() => server.close());

test('answers ok', async () => {
  const res = await fetch('http://localhost:3001/');
  expect(await res.text()).toBe('ok');
});

test('answers 200', async () => {
  const res = await fetch('http://localhost:3001/');
  expect(res.status).toBe(200);
});

test('answers twice', async () => {
  const res = await fetch('http://localhost:3001/again');
  expect(res.ok).toBe(true);
});
