// Training enrolment as a person sees it on a 390 px phone: staff put a session with one
// seat on the site through the editor; a visitor finds it in the home page's "近期培训" box,
// opens it, logs in from its page and enrols ("已报名"); the next person finds it full and
// joins the waiting list, shown with their position. Trainees are brought in with
// `biaozhun user create` (ordinary confirmed accounts).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, portFor, startSite, signIn } from './harness.mjs';

const PORT = portFor(23000);
const BASE = `http://127.0.0.1:${PORT}`;
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'Training-room 2026!';
const TITLE = '团体标准制定程序宣贯会';
let site;

before(async () => {
  site = await startSite({ name: 'training', port: PORT, samples: false });
  for (const name of ['trainee_li', 'trainee_wang']) await createUser(name);
});

after(async () => {
  await site?.stop();
});

/** `biaozhun user create NAME` beside the running server, the password on standard input. */
function createUser(name) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['user', 'create', name, '--email', `${name}@example.org`, '--data', site.dataDir], {
      env: { ...process.env, BIAOZHUN_DATABASE_URL: '' }, stdio: ['pipe', 'ignore', 'inherit'],
    });
    p.stdin.end(PASSWORD + '\n');
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user create ${name} exited ${code}`))));
  });
}

async function phone(ip) {
  const context = await site.browser.newContext({ viewport: PHONE, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  return context.newPage();
}

async function visibleWithin(locator, width) {
  assert.ok(await locator.isVisible(), 'visible');
  const b = await locator.boundingBox();
  assert.ok(b && b.x >= 0 && b.x + b.width <= width + 1, `within the screen (${JSON.stringify(b)})`);
}

test('staff publish a session with one seat', async () => {
  const page = await phone('198.51.100.10');
  await signIn(page, BASE, 'admin', site.adminPassword);
  await page.goto(`${BASE}/staff/trainings/new`);
  await page.fill('#title', TITLE);
  await page.selectOption('#kind', 'promotion');
  const day = new Date(Date.now() + 7 * 86400e3 + 8 * 3600e3).toISOString().slice(0, 10);
  await page.fill('#starts_at', `${day}T09:00`);
  await page.fill('#ends_at', `${day}T17:00`);
  await page.fill('#location', '广州市天河区体育东路 1 号');
  await page.fill('#capacity', '1');
  await page.fill('#hours', '6');
  await Promise.all([page.waitForNavigation(), page.click('form.panel button.primary')]);
  assert.match(await page.locator('#session-status').textContent(), /草稿/);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '发布' }).click()]);
  assert.match(await page.locator('#session-status').textContent(), /已发布/);
  await page.context().close();
});

test('a visitor finds the session on the home page, logs in and enrols', async () => {
  const page = await phone('198.51.100.11');
  // The home page keeps its boxes for two seconds: give it the time to see the new session.
  await new Promise((r) => setTimeout(r, 2100));
  await page.goto(`${BASE}/`);
  const link = page.locator('#trainings-title').locator('..').getByRole('link', { name: TITLE });
  await visibleWithin(link, PHONE.width);
  await Promise.all([page.waitForNavigation(), link.click()]);
  assert.equal(await page.locator('h1').textContent(), TITLE);
  assert.match(await page.locator('dl.facts').textContent(), /已报名 0 人（共 1 个名额）/);
  const loginLink = page.getByRole('link', { name: '登录后报名' });
  await visibleWithin(loginLink, PHONE.width);
  await Promise.all([page.waitForNavigation(), loginLink.click()]);
  await signIn(page, BASE, 'trainee_li', PASSWORD, { onPage: true });
  assert.match(page.url(), /\/training\/\d+$/, 'back on the session after logging in');
  const enrol = page.getByRole('button', { name: '报名', exact: true });
  await visibleWithin(enrol, PHONE.width);
  await Promise.all([page.waitForNavigation(), enrol.click()]);
  const place = page.locator('#my-place');
  await visibleWithin(place, PHONE.width);
  assert.equal((await place.textContent()).trim(), '已报名');
  await page.context().close();
});

test('when the session is full the next person joins the waiting list with their position', async () => {
  const page = await phone('198.51.100.12');
  await signIn(page, BASE, 'trainee_wang', PASSWORD);
  await page.goto(`${BASE}/training`);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: TITLE }).click()]);
  const join = page.getByRole('button', { name: '名额已满，加入候补' });
  await visibleWithin(join, PHONE.width);
  await Promise.all([page.waitForNavigation(), join.click()]);
  const place = page.locator('#my-place');
  await visibleWithin(place, PHONE.width);
  assert.equal((await place.textContent()).trim(), '候补第 1 位');
  // The same page in English.
  await page.goto(`${BASE}/lang/en?next=${encodeURIComponent(new URL(page.url()).pathname)}`);
  assert.equal((await page.locator('#my-place').textContent()).trim(), 'Waiting list: number 1');
  await page.context().close();
});
