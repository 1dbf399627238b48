import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Locator, type Page, type Response } from 'playwright-core';

/** Driving Swagger UI in Chromium by clicking, as a person exploring the API does. */

/** What Swagger UI shows once the server has answered an "Execute". */
export interface Shown {
  /** The status code Swagger UI shows under "Server response". */
  status: number;
  /** The response body as Swagger UI shows it. */
  text: string;
  /** The headers the browser sent, cookies included. */
  headers: Record<string, string>;
  response: Response;
  /** The operation's block, its "Server response" included. */
  block: Locator;
}

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// The machine is shared and slow (CI runs two Node lines side by side, each with its Chromium):
// generous, but a hang still ends with a message, each step after 30 s.
const STEP_TIMEOUT = 30_000;

/** Debian's Chromium, headless; `hostRule` maps a test host name to 127.0.0.1 inside the browser. */
export async function launchChromium(hostRule: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (.ci/run does it when missing)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=${hostRule}`],
  });
}

export interface DocsPage {
  page: Page;
  context: BrowserContext;
  /** Anything the page's CSP refused and any script error: a test fails on them at its end. */
  problems: string[];
  /** Requests the browser could not complete (blocked, refused, aborted). */
  failed: string[];
}

/** A fresh browser profile (its own cookies and localStorage) on /docs, with Swagger UI rendered. */
export async function openDocs(browser: Browser, base: string): Promise<DocsPage> {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  await page.goto('/docs', { waitUntil: 'load' });
  try {
    await page.locator('.opblock').first().waitFor();
  } catch (err) {
    await context.close();
    throw new Error(`Swagger UI did not render at ${base}/docs: ${[...problems, ...failed].join('; ')}`, {
      cause: err,
    });
  }
  return { page, context, problems, failed };
}

/** The operation's block in Swagger UI, found by method and path. */
function operation(page: Page, method: string, path: string) {
  return page
    .locator('.opblock')
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
    .filter({ has: page.locator('.opblock-summary-method', { hasText: new RegExp(`^${method}$`) }) });
}

/**
 * Opens the operation, clicks "Try it out", fills the path parameters and the JSON body, clicks
 * "Execute", and returns what the page shows once the server has answered.
 */
export async function tryItOut(
  page: Page,
  method: string,
  path: string,
  input: { params?: Record<string, string>; body?: unknown } = {},
): Promise<Shown> {
  const op = operation(page, method, path);
  await op.waitFor();
  if (!/\bis-open\b/.test((await op.getAttribute('class')) ?? '')) await op.locator('.opblock-summary-control').click();
  // Once the body was edited, "Reset" sits beside "Cancel": the first button tells the mode.
  const tryOut = op.locator('button.try-out__btn').first();
  if ((await tryOut.textContent())?.trim() === 'Try it out') await tryOut.click();
  let url = path;
  for (const [name, value] of Object.entries(input.params ?? {})) {
    await op.locator(`tr[data-param-name="${name}"] input`).fill(value);
    url = url.replace(`{${name}}`, encodeURIComponent(value));
  }
  if (input.body !== undefined) await op.locator('textarea.body-param__text').fill(JSON.stringify(input.body, null, 2));
  const clear = op.locator('button.btn-clear');
  if (await clear.isVisible()) await clear.click();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === url),
    op.locator('button.execute').click(),
  ]);
  const statusCell = op.locator('.live-responses-table tbody .response-col_status').first();
  await statusCell.waitFor();
  const status = Number(/\d{3}/.exec((await statusCell.textContent()) ?? '')?.[0]);
  const shown = op.locator('.live-responses-table tbody .response-col_description .highlight-code pre');
  const text = (await shown.count()) > 0 ? ((await shown.first().textContent()) ?? '') : '';
  return { status, text, headers: await response.request().allHeaders(), response, block: op };
}

/** Fails with what the page showed, so a wrong code explains itself. */
export function expectStatus(shown: Shown, expected: number, step: string): void {
  if (shown.status !== expected) {
    throw new Error(
      `${step}: Swagger UI shows ${shown.status}, expected ${expected}. Body shown: ${shown.text.slice(0, 500)}`,
    );
  }
}
