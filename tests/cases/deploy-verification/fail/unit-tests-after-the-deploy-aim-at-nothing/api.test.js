const base = process.env.BASE_URL;

test('health answers', async () => {
  const res = await fetch(`${base}/health`);
  expect(res.status).toBe(200);
});
