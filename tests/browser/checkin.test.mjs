// Check-in by code on a 390 px phone: staff publish a session starting within two hours; a
// trainee (brought in with `biaozhun user create`) enrols and sees their check-in QR code
// and code on the session's page; staff open the check-in page on their phone and type the
// code (the form works without a camera or script); the roster then shows the person
// present, and the trainee's hours ledger shows the session's hours.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, portFor, startSite, signIn } from './harness.mjs';

const PORT = portFor(26000);
const BASE = `http://127.0.0.1:${PORT}`;
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'Check-in desk 2026!';
const TITLE = '标准化法继续教育（现场签到）';
let site;
let sessionPath;
let code;

before(async () => {
  site = await startSite({ name: 'checkin', port: PORT, samples: false });
  await createUser('trainee_zhao');
});

after(async () => {
  await site?.stop();
});

function createUser(name) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['user', 'create', name, '--email', `${name}@example.org`, '--data', site.dataDir], {
      env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'],
    });
    p.stdin.end(PASSWORD + '\n');
    p.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`user create ${name} exited ${c}`))));
  });
}

async function phone(ip) {
  const context = await site.browser.newContext({ viewport: PHONE, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  return context.newPage();
}

async function within(locator, width) {
  assert.ok(await locator.isVisible(), 'visible');
  const b = await locator.boundingBox();
  assert.ok(b && b.x >= 0 && b.x + b.width <= width + 1, `within the screen (${JSON.stringify(b)})`);
}

/** Beijing local time `secs` from now as the editor takes it (YYYY-MM-DDTHH:MM). */
function localIn(secs) {
  return new Date(Date.now() + secs * 1000 + 8 * 3600e3).toISOString().slice(0, 16);
}

test('staff publish a session that starts within two hours', async () => {
  const page = await phone('198.51.100.30');
  await signIn(page, BASE, 'admin', site.adminPassword);
  await page.goto(`${BASE}/staff/trainings/new`);
  await page.fill('#title', TITLE);
  await page.selectOption('#kind', 'continuing');
  await page.fill('#starts_at', localIn(90 * 60));
  await page.fill('#ends_at', localIn(5 * 3600));
  await page.fill('#location', '广州市越秀区东风中路 1 号');
  await page.fill('#capacity', '20');
  await page.fill('#hours', '5');
  await Promise.all([page.waitForNavigation(), page.click('form.panel button.primary')]);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '发布' }).click()]);
  assert.match(await page.locator('#session-status').textContent(), /已发布/);
  sessionPath = new URL(page.url()).pathname;
  assert.match(sessionPath, /^\/training\/\d+$/);
  await page.context().close();
});

test('the enrolled trainee sees their check-in QR code on the phone', async () => {
  const page = await phone('198.51.100.31');
  await signIn(page, BASE, 'trainee_zhao', PASSWORD);
  await page.goto(BASE + sessionPath);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '报名' }).click()]);
  assert.match(await page.locator('#my-place').textContent(), /已报名/);
  const box = page.locator('#my-checkin');
  assert.match(await box.textContent(), /我的签到码/);
  const qr = page.locator('#my-checkin figure svg');
  await within(qr, PHONE.width);
  const b = await qr.boundingBox();
  assert.ok(b.width >= 150, `a QR code a scanner can read (${b.width} px)`);
  code = (await page.locator('#my-checkin-code').textContent()).trim();
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/checkin-trainee.png`, fullPage: true });
  assert.match(code, /^\d+-\d+-[0-9A-F]{12}$/);
  await page.context().close();
});

test('staff type the code on their phone; the roster and the hours ledger show it', async () => {
  const page = await phone('198.51.100.32');
  await signIn(page, BASE, 'admin', site.adminPassword);
  await page.goto(`${BASE}${sessionPath}/checkin`);
  await within(page.locator('#code'), PHONE.width);
  // A mistyped code is refused with a message, and nothing is credited.
  await page.fill('#code', code.slice(0, -1) + (code.endsWith('0') ? '1' : '0'));
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '签到', exact: true }).click()]);
  assert.match(await page.locator('#checkin-error').textContent(), /签到码无效/);
  await page.fill('#code', code.toLowerCase());
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '签到', exact: true }).click()]);
  assert.match(await page.locator('#checkin-result').textContent(), /trainee_zhao 签到成功，已计入 5 学时/);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/checkin-staff.png`, fullPage: true });
  await page.goto(`${BASE}${sessionPath}/roster`);
  const row = page.locator('tr', { hasText: 'trainee_zhao' });
  assert.match(await row.textContent(), /已签到/);
  await page.context().close();

  const trainee = await phone('198.51.100.33');
  await signIn(trainee, BASE, 'trainee_zhao', PASSWORD);
  await trainee.goto(`${BASE}/training/hours`);
  const year = trainee.locator('section.hours-year').first();
  assert.match(await year.textContent(), /共 5 学时/);
  assert.match(await year.textContent(), new RegExp(TITLE.replace(/[()（）]/g, '.')));
  await trainee.goto(BASE + sessionPath);
  assert.match(await trainee.locator('#my-checkin').textContent(), /您已于/);
  await trainee.context().close();
});
