// The strategy dashboard as people see it: a visitor reads the public dashboard (the
// outline's indicators with their targets, and an SVG chart, no script needed); the market
// regulation bureau's officer (a department scoped role, granted here in the database as
// staff would) files a progress report on task 3 from the reports page; staff find it on
// their strategy page and accept it; the officer sees it accepted and the task's page
// shows the accepted text to the public.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, portFor, startSite, signIn } from './harness.mjs';

const PORT = portFor(27000);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'Strategy-room 2026!';
const BODY = '完成汽车制造等支柱产业先进标准研制 3 项';
let site;

before(async () => {
  site = await startSite({ name: 'strategy', port: PORT, samples: false });
  await createUser('officer_scjgj');
  execFileSync('sqlite3', ['-cmd', '.timeout 10000', join(site.dataDir, 'biaozhun.db'),
    "INSERT INTO scoped_roles (user_id, role, scope_kind, scope_key, created_at) SELECT id, 'department', 'department', 'gz-scjgj', 0 FROM users WHERE username = 'officer_scjgj'"]);
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
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user create ${name} exited ${code}`))));
  });
}

test('the public dashboard shows the indicators with their targets and a chart, without script', async () => {
  const context = await site.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${BASE}/strategy`);
  assert.match(await page.locator('h1').textContent(), /标准化战略实施纲要/);
  const demo = page.locator('tr[data-indicator="demonstration_projects"]');
  assert.match(await demo.textContent(), /国家级标准化示范\(试点\)/);
  assert.match(await demo.textContent(), /≥ 15/);
  assert.match(await demo.textContent(), /计算/);
  const signs = page.locator('tr[data-indicator="signs_standardised"]');
  assert.match(await signs.textContent(), /106000/);
  assert.match(await signs.textContent(), /填报/);
  const chart = page.locator('#targets-chart svg');
  assert.ok(await chart.isVisible(), 'the chart is drawn');
  assert.match(await chart.getAttribute('aria-label'), /指标完成情况/);
  assert.equal(await page.locator('tr[data-task]').count(), 16);
  await context.close();
});

test('a department files a report and staff accept it', async () => {
  const officer = await (await site.browser.newContext()).newPage();
  await signIn(officer, BASE, 'officer_scjgj', PASSWORD);
  await officer.goto(`${BASE}/strategy/reports`);
  assert.match(await officer.locator('[data-unit="gz-scjgj"] h2').textContent(), /市市场监督管理局/);
  await officer.selectOption('#f-task', '3');
  await officer.fill('#f-period', '2026-Q3');
  await officer.fill('#f-body', BODY);
  await Promise.all([officer.waitForNavigation(), officer.click('#file-report')]);
  assert.match(await officer.locator('#report-state').textContent(), /待审核/);
  const reportUrl = officer.url();

  const staff = await (await site.browser.newContext()).newPage();
  await signIn(staff, BASE, 'admin', site.adminPassword);
  await staff.goto(`${BASE}/staff`);
  assert.match(await staff.locator('body').textContent(), /待审核的纲要进展报告/);
  await staff.goto(`${BASE}/staff/strategy`);
  await Promise.all([staff.waitForNavigation(), staff.locator('#queue a', { hasText: '2026-Q3' }).first().click()]);
  assert.match(await staff.locator('body').textContent(), new RegExp(BODY));
  await Promise.all([staff.waitForNavigation(), staff.click('#accept-report')]);
  assert.match(await staff.locator('#report-state').textContent(), /已受理/);

  await officer.goto(reportUrl);
  assert.match(await officer.locator('#report-state').textContent(), /已受理/);
  const visitor = await (await site.browser.newContext()).newPage();
  await visitor.goto(`${BASE}/strategy/tasks/3`);
  assert.match(await visitor.locator('#reports').textContent(), new RegExp(BODY));
  assert.match(await visitor.locator('#task-status').textContent(), /已受理/);
});
