import { test, expect } from '@playwright/test';
test('pay', async ({ page }) => {
  await page.goto('/');
});
