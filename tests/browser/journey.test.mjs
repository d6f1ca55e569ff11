// Journey test in headless Chromium: a visitor registers, confirms the mail, logs in
// through the real form (the captcha appears after a failure), applies for membership, is approved by
// staff, and sees the member page. The captcha answer comes from a hook that only a
// debug build with BIAOZHUN_TEST_HOOKS=1 serves; the confirmation link is read from the
// outbox page as an administrator would.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { portFor, startSite, signIn, answerCaptcha } from './harness.mjs';

const PORT = portFor(18000);
const BASE = `http://127.0.0.1:${PORT}`;
let site, browser, dataDir, adminPassword;

before(async () => {
  site = await startSite({ name: 'browser', port: PORT });
  ({ browser, dataDir, adminPassword } = site);
});

after(async () => {
  await site?.stop();
});

/** Registers through the form and confirms through the link in the outbox (read by `admin`). */
async function register(visitor, admin, username, email, password) {
  await visitor.goto(`${BASE}/register`);
  await visitor.fill('#username', username);
  await visitor.fill('#email', email);
  await visitor.fill('#password', password);
  await visitor.fill('#password_confirm', password);
  await answerCaptcha(visitor, BASE);
  await Promise.all([visitor.waitForNavigation(), visitor.click('form.form button.primary')]);
  assert.match(await visitor.textContent('main'), new RegExp(email.replace(/[.]/g, '\\.')));
  await admin.goto(`${BASE}/admin/outbox`);
  const mail = await admin.textContent('main');
  const link = mail.match(new RegExp(`${email.replace(/[.]/g, '\\.')}[\\s\\S]*?(http://127\\.0\\.0\\.1:\\d+/confirm/[A-Za-z0-9_-]+)`));
  assert.ok(link, 'confirmation mail in the outbox');
  await visitor.goto(link[1]);
  assert.match(await visitor.textContent('main'), /邮箱已确认/);
}

test('a company registers, logs in with the captcha, joins and is approved', async () => {
  const visitor = await (await browser.newContext()).newPage();
  const admin = await (await browser.newContext()).newPage();
  const password = 'Range hoods 2026!';

  // Register through the form; the administrator's outbox holds the confirmation.
  await visitor.goto(`${BASE}/`);
  assert.match(await visitor.textContent('body'), /记住账号/);
  await signIn(admin, BASE, 'admin', adminPassword);
  await register(visitor, admin, 'panyu_kitchen', 'owner@panyu-kitchen.example', password);

  // Log in from the home page's box, remembering the account: a first attempt asks no captcha.
  await visitor.goto(`${BASE}/`);
  assert.equal(await visitor.locator('#captcha_answer').count(), 0, 'no captcha before a failure');
  await visitor.fill('#account', 'panyu_kitchen');
  await visitor.fill('#password', password);
  await visitor.check('input[name=remember]');
  await Promise.all([visitor.waitForNavigation(), visitor.click('form.login-box button.primary')]);
  assert.match(await visitor.textContent('header'), /panyu_kitchen/);

  // Apply for organisation membership.
  await visitor.goto(`${BASE}/membership`);
  await Promise.all([visitor.waitForNavigation(), visitor.click('a[href^="/membership?kind=organisation"]')]);
  assert.equal(await visitor.locator('#real_name').count(), 0, 'the organisation path asks no personal name');
  await visitor.fill('#org_name', '广州番禺厨房电器有限公司');
  await visitor.fill('#uscc', '9144030071526726XG');
  await visitor.selectOption('#industry', 'C');
  await visitor.fill('#contact_name', '陈经理');
  await visitor.fill('#contact_phone', '020-3482 6600');
  await visitor.fill('#contact_email', 'chen@panyu-kitchen.example');
  await visitor.selectOption('#district_code', '440113');
  await Promise.all([visitor.waitForNavigation(), visitor.click('text=提交申请')]);
  assert.match(await visitor.textContent('main'), /申请已提交/);

  // Staff approve it from the queue.
  await admin.goto(`${BASE}/staff`);
  await admin.click('text=入会申请');
  await admin.click('text=广州番禺厨房电器有限公司');
  await Promise.all([admin.waitForNavigation(), admin.click('form[action$="/approve"] button.primary')]);
  assert.match(await admin.textContent('main'), /审核结果已保存/);

  // The member sees the member page, and the notification.
  await visitor.goto(`${BASE}/member`);
  assert.match(await visitor.textContent('main'), /GZT\d{4}-0001/);
  await visitor.goto(`${BASE}/notifications`);
  assert.match(await visitor.textContent('main'), /入会申请已批准/);

  // Logged out, the account name is remembered; the password is not.
  await visitor.click('header button.link');
  await visitor.goto(`${BASE}/`);
  assert.equal(await visitor.inputValue('#account'), 'panyu_kitchen');
  assert.equal(await visitor.inputValue('#password'), '');

  // The captcha, when asked for, is a real picture, and a wrong answer is refused with the
  // account name kept.
  await visitor.goto(`${BASE}/login?captcha=image`);
  const img = await visitor.locator('img[data-captcha-img]').evaluate((el) => el.naturalWidth);
  assert.ok(img > 0, 'captcha image renders');
  await visitor.fill('#password', password);
  await visitor.fill('#captcha_answer', 'WRONG');
  await Promise.all([visitor.waitForNavigation(), visitor.click('form.login-box button.primary')]);
  assert.match(await visitor.textContent('main'), /验证码错误/);
  assert.equal(await visitor.inputValue('#account'), 'panyu_kitchen');
});

test('an exporter checks its standards, watches them and sets up TBT alerts', async () => {
  const user = await (await browser.newContext()).newPage();
  const admin = await (await browser.newContext()).newPage();
  const password = 'Exporter checks 2026!';
  await signIn(admin, BASE, 'admin', adminPassword);
  await register(user, admin, 'hood_exporter', 'qa@hood-exporter.example', password);
  await signIn(user, BASE, 'hood_exporter', password);

  // Paste the list from the product files: em dashes, a number without year, free text.
  await user.goto(`${BASE}/standards/check`);
  await user.fill('#ctext', '按照GB/T 5606.1—1996的规定\nGB/T 20223-2006\nGB/T 19001\nXYZ 123');
  await Promise.all([user.waitForNavigation(), user.click('form.form button.primary')]);
  const report = await user.textContent('main');
  const no = report.match(/CX-\d{4}-\d+/);
  assert.ok(no, 'the report has a number');
  assert.match(report, /GB\/T 5606\.1-2004/, 'the successor of the 1996 edition');
  assert.match(report, /GB\/T 19001-2016/, 'a number without year resolves to the current edition');
  assert.match(report, /废止/);

  // The report is private: another browser cannot open it by its number, but verifies it
  // by the code printed on it, which shows the summary only.
  const code = report.match(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
  assert.ok(code, 'the report shows its verification code');
  const anon = await (await browser.newContext()).newPage();
  const hidden = await anon.goto(`${BASE}/standards/check/${no[0]}`);
  assert.equal(hidden.status(), 404);
  await anon.goto(`${BASE}/standards/check/verify`);
  await anon.fill('#vcode', code[0].toLowerCase());
  await Promise.all([anon.waitForNavigation(), anon.click('form.form button.primary')]);
  const summary = await anon.textContent('main');
  assert.ok(summary.includes(no[0]), 'the summary names the report');
  assert.doesNotMatch(summary, /GB\/T 5606\.1-2004/, 'but not its items');

  // Save everything to the watchlist.
  await Promise.all([user.waitForNavigation(), user.click('text=全部加入我的关注')]);
  await user.goto(`${BASE}/standards/watchlist`);
  assert.match(await user.textContent('main'), /GB\/T 19001-2016/);

  // Record products and markets for TBT alerts.
  await user.goto(`${BASE}/tbt/profile`);
  await user.fill('#hs', '841460');
  await user.check('input[name=markets][value=EU]');
  await user.fill('#keywords', 'range hood; 吸油烟机');
  await Promise.all([user.waitForNavigation(), user.click('form[action="/tbt/profile"] button.primary')]);
  await user.goto(`${BASE}/tbt/profile`);
  assert.equal(await user.inputValue('#hs'), '841460');
  assert.ok(await user.isChecked('input[name=markets][value=EU]'));

  // The notification database is public and searchable.
  await anon.goto(`${BASE}/tbt?q=seed`);
  assert.match(await anon.textContent('main'), /G\/TBT\/N\/CHN\/1786/);

  // A search result opens its record: the catalogue's and the notification database's.
  await anon.goto(`${BASE}/standards?q=GB%2FT%2019001`);
  const hit = anon.locator('main .result-number').first();
  const number = (await hit.textContent()).trim();
  await Promise.all([anon.waitForNavigation(), hit.click()]);
  assert.equal((await anon.textContent('main h1')).trim(), number);
  await anon.goto(`${BASE}/tbt?q=seed`);
  await Promise.all([anon.waitForNavigation(), anon.locator('main .result-number').first().click()]);
  assert.match(await anon.textContent('main h1'), /G\/TBT\/N\/CHN\/1786/);
});

test('the home page is a service entrance at desktop and phone widths', async () => {
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    // Every entrance is on screen, in Chinese, and usable.
    for (const [box, heading] of [['#entrance-check', '标准有效性查新'], ['#entrance-catalogue', '标准目录检索'], ['#entrance-tbt', 'TBT 通报预警'],
      ['#latest-tbt', '最新 TBT 通报'], ['#new-standards', '新发布标准'], ['#upcoming-standards', '即将实施标准']]) {
      await page.locator(box).scrollIntoViewIfNeeded();
      assert.ok(await page.locator(box).isVisible(), `${box} visible at ${width}px`);
      assert.match(await page.locator(`${box} h2`).textContent(), new RegExp(heading), `${box} heading at ${width}px`);
      const bounds = await page.locator(box).boundingBox();
      assert.ok(bounds.width > 200 && bounds.x >= 0 && bounds.x + bounds.width <= width + 1, `${box} fits ${width}px: ${JSON.stringify(bounds)}`);
    }
    // A standard of the new-publications box opens its page.
    const first = page.locator('#new-standards li a').first();
    assert.ok((await first.boundingBox()).width > 20, 'the number link has a width');
    const number = (await first.textContent()).trim();
    await Promise.all([page.waitForNavigation(), first.click()]);
    assert.match(await page.textContent('main'), new RegExp(number.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));

    // The latest notification opens with its deadline.
    await page.goto(`${BASE}/`);
    const tbt = page.locator('#latest-tbt li a').first();
    const symbol = (await tbt.textContent()).trim();
    await Promise.all([page.waitForNavigation(), tbt.click()]);
    assert.ok(page.url().includes('/tbt/notifications/'), page.url());
    assert.ok((await page.textContent('main')).includes(symbol));

    // The catalogue search from the home page.
    await page.goto(`${BASE}/`);
    await page.fill('#home-catalogue-q', '19001');
    await Promise.all([page.waitForNavigation(), page.click('#entrance-catalogue button')]);
    assert.ok(page.url().includes('/standards?q=19001'), page.url());
    assert.match(await page.textContent('main'), /GB\/T 19001-2016/);

    // Paste a list into the check box on the home page: a report comes back.
    await page.goto(`${BASE}/`);
    await page.fill('#home-check-text', 'GB/T 19001-2016\nGB/T 5606.1—1996');
    await Promise.all([page.waitForNavigation(), page.click('#entrance-check button')]);
    const report = await page.textContent('main');
    assert.match(report, /CX-\d{4}-\d+/, `a report at ${width}px`);
    assert.match(report, /GB\/T 5606\.1-2004/);

    // In English, the same entrances in English.
    await page.goto(`${BASE}/lang/en?next=/`);
    assert.match(await page.locator('#entrance-check h2').textContent(), /Check standards' validity/);
    assert.ok(await page.locator('#entrance-tbt button').isVisible());
    await page.goto(`${BASE}/lang/zh-CN?next=/`);
    await context.close();
  }
});
