// What every browser test file sets up the same way: a data directory, the real binary
// serving it on a port of its own, the repository's sample records imported with the CLI
// beside the running server (crates/biaozhun/tests/data/README.md, so a clone tests itself),
// and headless Chromium. Call `site.stop()` in `after`.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = process.env.BIAOZHUN_BIN || new URL('../../target/debug/biaozhun', import.meta.url).pathname;
export const CRATE = new URL('../../crates/biaozhun/', import.meta.url).pathname;
export const SAMPLES = [['standards', 'tests/data/samples/cn_standards_examples.jsonl'], ['tbt', 'seed/tbt_notifications_examples.jsonl']];

// A port for one test file: `base` plus the process id, so parallel runs do not collide.
export function portFor(base) {
  return base + (process.pid % 1000);
}

// Runs a command of the binary (an import, say) on the SQLite database of `dataDir`.
export function run(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: 'ignore' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

// Starts a site. Options: `name` (of the data directory), `port`, `env` (added to the
// server's environment; a key set to `undefined` is removed), `prepare(dataDir)` (before the
// server starts), `samples` (import SAMPLES while serving and wait until they are
// searchable; default true).
export async function startSite({ name, port, env = {}, prepare, samples = true }) {
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), `biaozhun-${name}-`));
  if (prepare) await prepare(dataDir);
  const serverEnv = { ...process.env, BIAOZHUN_TEST_HOOKS: '1', BIAOZHUN_BASE_URL: base, BIAOZHUN_DATABASE_URL: '', ...env };
  for (const [k, v] of Object.entries(serverEnv)) if (v === undefined) delete serverEnv[k];
  const server = spawn(BIN, ['serve', '--bind', `127.0.0.1:${port}`, '--data', dataDir], { env: serverEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let adminPassword;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start: ' + out)), 60000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/password: (\S+)/);
      if (m) adminPassword = m[1];
      if (out.includes('listening on')) { clearTimeout(timer); resolve(); }
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  if (samples) {
    for (const [what, file] of SAMPLES) await run(['import', what, join(CRATE, file), '--data', dataDir]);
    // The commands leave indexing to the running server, which follows the change log
    // within a second or so: wait for it rather than race it.
    await untilFound(`${base}/api/v1/standards?q=GB`);
    await untilFound(`${base}/api/v1/tbt/notifications`);
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    base, dataDir, server, browser, adminPassword,
    async stop() {
      await browser.close();
      server.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function untilFound(url) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const r = await fetch(url, { headers: { 'x-forwarded-for': '198.51.100.250' } });
    if (r.ok && ((await r.json()).items || []).length > 0) return;
    if (Date.now() > deadline) throw new Error(`nothing searchable at ${url} after 30 s`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

// Signs `account` in through the /login form of the site at `base`, answering the captcha
// through the test hook when the page asks for one (only after a failed log-in from the
// address or for the account); `remember` ticks "remember me"; `onPage` uses the login form
// the page already shows (reached through a link that says where to go next). Returns when
// the form's answer has loaded.
export async function signIn(page, base, account, password, { remember = false, onPage = false } = {}) {
  if (!onPage) await page.goto(`${base}/login`);
  await page.fill('#account', account);
  await page.fill('#password', password);
  if (await page.locator('input[name=captcha_answer]').count()) await answerCaptcha(page, base);
  if (remember) await page.check('input[name=remember]');
  await Promise.all([page.waitForNavigation(), page.click('form.login-box button.primary')]);
}

// Fills the captcha on the page with its answer, read from the test hook of the site at `base`
// (the server runs with BIAOZHUN_TEST_HOOKS=1).
export async function answerCaptcha(page, base) {
  const id = await page.locator('input[name=captcha_id]').first().inputValue();
  const res = await page.request.get(`${base}/__test/captcha/${encodeURIComponent(id)}`);
  if (res.status() !== 200) throw new Error(`the captcha hook answered ${res.status()}`);
  await page.locator('input[name=captcha_answer]').first().fill(await res.text());
}

// A page of its own (a fresh context, 1200×900, from the address `ip` as X-Forwarded-For)
// on `site`, signed in as `account` when one is given.
export async function person(site, ip, account, password) {
  const context = await site.browser.newContext({ viewport: { width: 1200, height: 900 }, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  const page = await context.newPage();
  if (account) await signIn(page, site.base, account, password);
  return page;
}

// A JSON call from the page's session (cookies and CSRF token as the site's forms send them)
// to the site at `base`; throws on a status that is not a success, returns null for 204.
export async function api(page, base, method, path, data) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'bz_csrf')?.value ?? '';
  const r = await page.request.fetch(`${base}${path}`, { method, data, headers: { 'x-csrf-token': csrf } });
  if (!r.ok()) throw new Error(`${method} ${path}: ${r.status()} ${await r.text()}`);
  return r.status() === 204 ? null : r.json();
}
