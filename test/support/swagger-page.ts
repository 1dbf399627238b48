import type { Browser, BrowserContext, Page, Response } from 'playwright-core';

/** Driving Swagger UI by clicking, as test/browser/swagger-ui.e2e-spec.ts does. */
export interface Shown {
  status: number;
  text: string;
  headers: Record<string, string>;
  response: Response;
}

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function openDocs(
  browser: Browser,
  base: string,
): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.goto('/docs', { waitUntil: 'load' });
  await page.locator('.opblock').first().waitFor();
  return { page, context, problems };
}

function operation(page: Page, method: string, path: string) {
  return page
    .locator('.opblock')
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
    .filter({ has: page.locator('.opblock-summary-method', { hasText: new RegExp(`^${method}$`) }) });
}

/** Opens the operation, "Try it out", fills the JSON body, "Execute", and reads what the page shows. */
export async function tryItOut(page: Page, method: string, path: string, body?: unknown): Promise<Shown> {
  const op = operation(page, method, path);
  await op.waitFor();
  if (!/\bis-open\b/.test((await op.getAttribute('class')) ?? '')) await op.locator('.opblock-summary-control').click();
  // Once in "Try it out" mode the button says Cancel (and an edited body adds Reset).
  const tryOut = op.locator('button.try-out__btn').first();
  if ((await tryOut.textContent())?.trim() === 'Try it out') await tryOut.click();
  if (body !== undefined) await op.locator('textarea.body-param__text').fill(JSON.stringify(body, null, 2));
  const clear = op.locator('button.btn-clear');
  if (await clear.isVisible()) await clear.click();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === path),
    op.locator('button.execute').click(),
  ]);
  const statusCell = op.locator('.live-responses-table tbody .response-col_status').first();
  await statusCell.waitFor();
  const status = Number(/\d{3}/.exec((await statusCell.textContent()) ?? '')?.[0]);
  const shown = op.locator('.live-responses-table tbody .response-col_description .highlight-code pre');
  const text = (await shown.count()) > 0 ? ((await shown.first().textContent()) ?? '') : '';
  return { status, text, headers: await response.request().allHeaders(), response };
}

export function expectStatus(shown: Shown, expected: number, step: string): void {
  if (shown.status !== expected) {
    throw new Error(
      `${step}: Swagger UI shows ${shown.status}, expected ${expected}. Body shown: ${shown.text.slice(0, 500)}`,
    );
  }
}
