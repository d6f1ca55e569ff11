// Accessibility checks in headless Chromium: axe-core (WCAG 2 A and AA rules) on the main
// pages in both languages, as a visitor and as staff, failing on any serious or critical
// violation; and a keyboard walk: the skip link moves focus to <main>, and Tab from the top
// of the login page reaches the account, password, captcha and submit controls.
//
// axe.min.js is inlined by page.addScriptTag({ path }); the site's Content-Security-Policy
// would refuse that inline script, so the contexts here (and only here) use bypassCSP.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { portFor, startSite, signIn } from './harness.mjs';

// WCAG 2.0 and 2.1 A/AA rules and axe's best practices; a page fails on any serious or
// critical violation, and on any violation at all of the structure rules in STRICT.
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const STRICT = new Set(['heading-order', 'page-has-heading-one', 'landmark-one-main', 'landmark-unique',
  'landmark-no-duplicate-banner', 'landmark-no-duplicate-contentinfo', 'region', 'bypass', 'skip-link', 'label', 'image-alt']);
const OUTLINE = '/articles/guangzhou-standardization-outline-2013-2020';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const PORT = portFor(19000);
const BASE = `http://127.0.0.1:${PORT}`;
let site, browser, dataDir, adminPassword;

before(async () => {
  site = await startSite({ name: 'a11y', port: PORT });
  ({ browser, dataDir, adminPassword } = site);
});

after(async () => {
  await site?.stop();
});

async function newPage(lang) {
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  if (lang) await page.goto(`${BASE}/lang/${lang}?next=%2F`);
  return page;
}

/** Runs axe on the loaded page; returns the serious and critical violations, readably. */
async function audit(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    }));
  }, TAGS);
  const failing = (v) => v.impact === 'serious' || v.impact === 'critical' || STRICT.has(v.id);
  for (const v of violations.filter((v) => !failing(v))) {
    console.log(`# a11y note ${new URL(page.url()).pathname}: ${v.impact} ${v.id} (${v.nodes.length})`);
  }
  return violations.filter(failing);
}

/** Visits every path and collects the failures of all of them, so one run lists everything. */
async function auditAll(page, paths, label) {
  const report = [];
  for (const path of paths) {
    const res = await page.goto(`${BASE}${path}`);
    assert.ok(res.status() < 400, `${label} ${path} answers ${res.status()}`);
    report.push(...await auditHere(page, label));
  }
  return report;
}

/** Audits the page as it is now (after a form was sent, say). */
async function auditHere(page, label) {
  const path = new URL(page.url()).pathname + new URL(page.url()).search;
  assert.ok(await page.getAttribute('html', 'lang'), `${path} has <html lang>`);
  return (await audit(page)).map((v) => `[${label} ${path}] ${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 5).join('\n    ')}`);
}

async function firstHref(page, path, selector) {
  await page.goto(`${BASE}${path}`);
  const href = await page.locator(selector).first().getAttribute('href');
  assert.ok(href, `a link matching ${selector} on ${path}`);
  return href;
}

const PUBLIC = [
  '/', '/login', '/register', '/password/forgot',
  '/news', '/notices', '/policies', OUTLINE, '/search?q=%E6%A0%87%E5%87%86', '/search?q=GB',
  '/standards', '/standards?q=GB', '/standards/check', '/standards/check/verify', '/tbt', '/tbt?q=seed', '/tbt/stats', '/trade-concerns', '/training', '/experts', '/experts/talent',
  '/membership', '/membership?kind=organisation', '/signs', '/signs?district=440106',
];

for (const lang of ['zh-CN', 'en']) {
  test(`public pages pass axe (WCAG 2.1 A/AA, best practices) in ${lang}`, async () => {
    const page = await newPage(lang);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    const standard = await firstHref(page, '/standards?q=GB', 'main a[href^="/standards/G"]');
    const notification = await firstHref(page, '/tbt?q=seed', 'main a[href^="/tbt/notifications/"]');
    const report = await auditAll(page, [...PUBLIC, standard, notification], lang);
    // The login page with an error message and the captcha it then asks for, after a
    // wrong captcha; and the question in words that can replace the picture.
    await page.goto(`${BASE}/login?captcha=image`);
    await page.fill('#account', 'nobody');
    await page.fill('#password', 'wrong password');
    await page.fill('#captcha_answer', 'WRONG');
    await Promise.all([page.waitForNavigation(), page.click('form.login-box button.primary')]);
    assert.ok(await page.locator('main .error').count(), 'the error shows');
    report.push(...await auditHere(page, lang));
    await page.goto(`${BASE}/login?captcha=question`);
    report.push(...await auditHere(page, lang));
    assert.deepEqual(report, [], '\n' + report.join('\n'));
  });
}

test('staff and member pages pass axe (WCAG 2.1 A/AA, best practices)', async () => {
  const page = await newPage();
  await signIn(page, BASE, 'admin', adminPassword);
  // A validity report, so that its page is checked too.
  await page.goto(`${BASE}/standards/check`);
  await page.fill('#ctext', 'GB/T 20223-2006\nGB/T 19001\nXYZ 123');
  await Promise.all([page.waitForNavigation(), page.click('form.form button.primary')]);
  const report = await auditHere(page, 'admin');
  // A training session (a draft, with its staff section), and its roster.
  await page.goto(`${BASE}/staff/trainings/new`);
  await page.fill('#title', '标准化良好行为宣贯会');
  await page.fill('#starts_at', '2031-03-02T09:00');
  await page.fill('#ends_at', '2031-03-02T17:00');
  await page.fill('#location', '天河区');
  await Promise.all([page.waitForNavigation(), page.click('form.panel button.primary')]);
  report.push(...await auditHere(page, 'admin'));
  const session = new URL(page.url()).pathname;
  report.push(...await auditAll(page, [
    `${session}/roster`, `${session}/checkin`, '/staff/trainings', '/staff/trainings/new', '/training/hours', '/training/org-hours',
  ], 'admin'));
  report.push(...await auditAll(page, [
    '/', '/membership', '/membership?kind=organisation', '/membership?kind=individual', '/notifications', '/account', '/orgs', '/standards/watchlist', '/standards/checks', '/tbt/profile',
    '/staff', '/staff/memberships', '/staff/articles', '/staff/articles/new',
    '/staff/standards/import', '/staff/tbt', '/staff/tbt/import', '/staff/experts', '/staff/experts/draws', '/staff/experts/tiers',
    '/admin/users/1', '/admin/outbox', '/signs/inspectors', '/signs/cases',
  ], 'admin'));
  assert.deepEqual(report, [], '\n' + report.join('\n'));
});

test('keyboard: the skip link moves focus to main; Tab reaches the login form', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/login`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip', 'first Tab lands on the skip link');
  assert.ok(await page.evaluate(() => {
    const r = document.activeElement.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.top >= 0;
  }), 'the skip link is visible when focused');
  assert.ok(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle !== 'none'), 'a focus outline shows');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main', 'the skip link moves focus to main');

  // From the top of the page, Tab reaches the fields and the submit button in order (with
  // the captcha a page shows after a failed log-in).
  await page.goto(`${BASE}/login?captcha=image`);
  const wanted = ['account', 'password', 'captcha_answer', 'submit'];
  const seen = [];
  for (let i = 0; i < 60 && seen.length < wanted.length; i++) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => {
      const a = document.activeElement;
      if (!a.closest('form.login-box')) return null;
      const style = getComputedStyle(a);
      const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      return { id: a.type === 'submit' ? 'submit' : a.id, ring };
    });
    if (el && wanted.includes(el.id) && !seen.includes(el.id)) {
      assert.ok(el.ring, `${el.id} shows a focus outline`);
      seen.push(el.id);
    }
  }
  assert.deepEqual(seen, wanted, 'Tab reaches every login control in order');
});
