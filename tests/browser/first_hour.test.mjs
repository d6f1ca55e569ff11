// The first hour of a real user (issue 13), checked as a person sees it in headless Chromium
// at desktop width and at a 390 px phone width, in both languages where text is involved:
// search results that can be opened, a captcha asked only after a failure (with a question in
// words as the alternative), changing the password on the account page, and a server without
// a mail relay (started here without BIAOZHUN_BASE_URL, so mailed links must name the port
// actually served).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { portFor, startSite, signIn, answerCaptcha } from './harness.mjs';

const PORT = portFor(20000);
const BASE = `http://127.0.0.1:${PORT}`;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
let site, browser, dataDir, adminPassword;

before(async () => {
  site = await startSite({ name: 'first-hour', port: PORT, env: { BIAOZHUN_TRUST_PROXY: 'true', BIAOZHUN_BASE_URL: undefined } });
  ({ browser, dataDir, adminPassword } = site);
});

after(async () => {
  await site?.stop();
});

/** A page in a fresh browser at a viewport, in a language, seen from its own address. */
async function open(viewport, lang = 'zh-CN', ip = '127.0.0.1') {
  const context = await browser.newContext({ viewport, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  const page = await context.newPage();
  await page.goto(`${BASE}/lang/${lang}?next=%2F`);
  return page;
}

async function box(locator) {
  const b = await locator.boundingBox();
  assert.ok(b, 'element is rendered');
  return b;
}

for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  for (const lang of ['zh-CN', 'en']) {
    test(`search results open their records (${name}, ${lang})`, async () => {
      const page = await open(viewport, lang);
      await page.goto(`${BASE}/standards?q=GB`);
      const first = page.locator('main .result-number').first();
      const b = await box(first);
      assert.ok(b.width > 60 && b.height > 10, `the number link is visible (${b.width}×${b.height})`);
      assert.ok(b.x + b.width <= viewport.width, 'and within the screen');
      const number = (await first.textContent()).trim();
      assert.match(number, /^GB/);
      // The status badge and the title in the page's language come with it.
      const card = page.locator('main .result').first();
      assert.ok(await card.locator('.status').isVisible(), 'status badge');
      const title = card.locator('.result-title');
      // The other language is there, smaller; the dates too.
      const alt = page.locator('main .result .result-alt').first();
      if (await alt.count()) {
        const size = (l) => l.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
        assert.ok(await size(alt) < await size(page.locator('main .result .result-title').first()), 'the other language is smaller');
      }
      assert.match(await card.locator('.result-dates').textContent(), /\d{4}-\d{2}-\d{2}/);
      const titleLang = await title.getAttribute('lang');
      if (lang === 'zh-CN') assert.equal(titleLang, 'zh-CN', 'the Chinese title first');
      else if (await card.locator('.result-alt').count()) assert.equal(titleLang, 'en', 'the English title first');
      if (lang === 'en') assert.doesNotMatch(await card.locator('.status').textContent(), /[\u4e00-\u9fff]/, 'status in English');
      else assert.match(await card.locator('.status').textContent(), /[\u4e00-\u9fff]/, 'status in Chinese');
      // Labels sit above their fields with room between (on a phone, behind "more conditions").
      if (viewport === PHONE) {
        assert.equal(await page.locator('details.filters').getAttribute('open'), null, 'filters folded on a phone');
        await page.locator('details.filters > summary').click();
      }
      for (const id of ['skind', 'sstatus', 'sics']) {
        const label = await box(page.locator(`label[for=${id}]`));
        const field = await box(page.locator(`#${id}`));
        assert.ok(field.y >= label.y + label.height + 2, `label of #${id} does not touch its field`);
      }
      // Facets: a narrow column beside the results on a desktop, a closed drawer on a phone.
      const facets = page.locator('details.facets');
      const results = await box(page.locator('main .results'));
      if (viewport === DESKTOP) {
        const f = await box(facets);
        assert.ok(f.width < results.width / 2, `facets narrower than results (${f.width} vs ${results.width})`);
        assert.ok(f.x + f.width <= results.x, 'facets beside the results');
        assert.ok(await facets.locator('a').first().isVisible());
      } else {
        assert.equal(await facets.getAttribute('open'), null, 'drawer closed on a phone');
        assert.ok(!(await facets.locator('a').first().isVisible()));
        await facets.locator('summary').click();
        assert.ok(await facets.locator('a').first().isVisible(), 'the drawer opens');
      }
      // The count and downloads head the results.
      assert.match(await page.locator('main .results-count').textContent(), lang === 'en' ? /found.*CSV.*XLSX/s : /共 \d+ 条.*CSV.*XLSX/s);
      // Clicking the number opens the standard.
      await Promise.all([page.waitForNavigation(), first.click()]);
      assert.equal((await page.locator('main h1').textContent()).trim(), number);

      // The TBT database too.
      await page.goto(`${BASE}/tbt?q=seed`);
      const sym = page.locator('main .result-number').first();
      const s = await box(sym);
      assert.ok(s.width > 60, `the symbol link is visible (${s.width})`);
      const symbol = (await sym.textContent()).trim();
      await Promise.all([page.waitForNavigation(), sym.click()]);
      assert.equal((await page.locator('main h1').textContent()).trim(), symbol);
    });
  }
}

for (const [name, viewport, lang, ip] of [['desktop', DESKTOP, 'zh-CN', '198.51.100.21'], ['phone', PHONE, 'en', '198.51.100.22']]) {
  test(`the captcha comes after a failure, legibly, with a question in words (${name}, ${lang})`, async () => {
    const page = await open(viewport, lang, ip);
    await page.goto(`${BASE}/login`);
    assert.equal(await page.locator('#captcha_answer').count(), 0, 'no captcha on a first visit');
    await page.fill('#account', 'admin');
    await page.fill('#password', 'not the password');
    await Promise.all([page.waitForNavigation(), page.click('form.login-box button.primary')]);
    assert.ok(await page.locator('main .error').isVisible());
    assert.equal(await page.inputValue('#account'), 'admin', 'the account name is kept');
    const img = page.locator('img[data-captcha-img]');
    const b = await box(img);
    assert.ok(b.width >= 180 && b.height >= 55, `the picture is large enough (${b.width}×${b.height})`);
    assert.ok(await img.evaluate((el) => el.naturalWidth) === 200);
    // The question in words instead, in the page's language.
    await Promise.all([page.waitForNavigation(), page.click('a.captcha-switch')]);
    const q = (await page.locator('.captcha-q').textContent()).trim();
    if (lang === 'en') assert.match(q, /^What is [a-z]+ (plus|minus) [a-z]+\?$/);
    else assert.match(q, /^[一二三四五六七八九十]+[加减][一二三四五六七八九十]+等于几？$/);
    assert.equal(await page.locator('img[data-captcha-img]').count(), 0);
    await page.fill('#account', 'admin');
    await page.fill('#password', adminPassword);
    await answerCaptcha(page, BASE);
    await Promise.all([page.waitForNavigation(), page.click('form.login-box button.primary')]);
    assert.match(await page.textContent('header'), /admin/);
  });
}

test('a new user registers, is confirmed by the administrator, changes the password and the address (phone, zh-CN)', async () => {
  const admin = await open(DESKTOP, 'zh-CN', '198.51.100.31');
  await signIn(admin, BASE, 'admin', adminPassword);
  // No mail relay: staff see the outbox banner.
  await admin.goto(`${BASE}/staff`);
  const banner = admin.locator('main .outbox-banner');
  assert.ok(await banner.isVisible());
  assert.match(await banner.textContent(), /未配置邮件服务器：\d+ 封邮件/);

  const user = await open(PHONE, 'zh-CN', '198.51.100.32');
  await user.goto(`${BASE}/register`);
  await user.fill('#username', 'phone_user');
  await user.fill('#email', 'phone@example.com');
  await user.fill('#password', 'Congee morning 2026!');
  await user.fill('#password_confirm', 'Congee morning 2026!');
  await user.fill('#captcha_answer', 'ZZZZ');
  await Promise.all([user.waitForNavigation(), user.click('form.form button.primary')]);
  assert.equal(await user.inputValue('#password'), 'Congee morning 2026!', 'a wrong captcha keeps the passwords');
  await answerCaptcha(user, BASE);
  await Promise.all([user.waitForNavigation(), user.click('form.form button.primary')]);
  assert.match(await user.textContent('main'), /phone@example\.com/);

  // The confirmation mail names the port this server listens on.
  await admin.goto(`${BASE}/admin/outbox`);
  assert.match(await admin.textContent('main'), new RegExp(`http://127\\.0\\.0\\.1:${PORT}/confirm/`));
  // The administrator confirms the account from its page instead.
  await admin.goto(`${BASE}/admin/users?q=phone_user`);
  await Promise.all([admin.waitForNavigation(), admin.click('text=phone_user')]);
  assert.ok(await admin.locator('main').getByText('邮箱未确认').isVisible());
  await Promise.all([admin.waitForNavigation(), admin.click('button:has-text("确认账号")')]);
  assert.match(await admin.textContent('main .flash'), /账号已确认/);
  await Promise.all([admin.waitForNavigation(), admin.click('button:has-text("重置密码链接")')]);
  const link = (await admin.textContent('#reset-link')).trim();
  assert.match(link, new RegExp(`^http://127\\.0\\.0\\.1:${PORT}/password/reset/`));

  // The user logs in and changes the password on the account page.
  await signIn(user, BASE, 'phone_user', 'Congee morning 2026!');
  await user.goto(`${BASE}/account`);
  const form = user.locator('form[action="/account/password"]');
  assert.ok(await form.isVisible());
  const f = await box(form);
  assert.ok(f.x >= 0 && f.x + f.width <= PHONE.width, 'the form fits the phone');
  await user.fill('#current_password', 'Congee morning 2026!');
  await user.fill('#new_password', 'Wonton evening 2027!');
  await user.fill('#new_password_confirm', 'Wonton evening 2027!');
  await Promise.all([user.waitForNavigation(), form.locator('button').click()]);
  assert.match(await user.textContent('main .flash'), /密码已修改/);
  await user.click('header button.link');
  await signIn(user, BASE, 'phone_user', 'Wonton evening 2027!');
  assert.match(await user.textContent('header'), /phone_user/);
  // The address changes through a link mailed to the new one (read here from the outbox).
  await user.goto(`${BASE}/account`);
  await user.fill('#new_email', 'phone-new@example.com');
  await user.fill('#email_password', 'Wonton evening 2027!');
  await Promise.all([user.waitForNavigation(), user.click('form[action="/account/email"] button')]);
  assert.match(await user.textContent('main .ok'), /phone-new@example\.com/);
  await admin.goto(`${BASE}/admin/outbox`);
  const confirm = (await admin.textContent('main')).match(new RegExp(`http://127\\.0\\.0\\.1:${PORT}/account/email/confirm/[A-Za-z0-9_-]+`));
  assert.ok(confirm, 'the confirmation link is in the outbox');
  await user.goto(confirm[0]);
  assert.match(await user.textContent('main'), /邮箱已更换/);
  await user.goto(`${BASE}/account`);
  assert.match(await user.textContent('main .facts'), /phone-new@example\.com/);
  await admin.goto(`${BASE}/admin/users?q=phone_user`);
  await Promise.all([admin.waitForNavigation(), admin.click('text=phone_user')]);
  // The administrator reads the history in Chinese.
  await admin.reload();
  const history = await admin.textContent('main table');
  assert.match(history, /管理员确认账号/);
  assert.doesNotMatch(history, /user\.confirmed_by_admin/);
});

for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  for (const lang of ['zh-CN', 'en']) {
    test(`membership explains itself, then two paths (${name}, ${lang})`, async () => {
      const page = await open(viewport, lang, `198.51.100.${(name === 'desktop' ? 50 : 60) + (lang === 'en' ? 1 : 2)}`);
      await page.goto(`${BASE}/membership`);
      const headings = await page.locator('main h2').allTextContents();
      const want = lang === 'en' ? ['What membership gives', 'Fees and term', 'Who may apply'] : ['会员权益', '会费与期限', '谁可以申请'];
      for (const h of want) assert.ok(headings.includes(h), `${h} in ${headings}`);
      const org = page.locator('main a[href^="/membership?kind=organisation"]');
      const person = page.locator('main a[href^="/membership?kind=individual"]');
      assert.ok(await org.isVisible() && await person.isVisible(), 'two paths');
      const a = await box(org);
      assert.ok(a.x >= 0 && a.x + a.width <= viewport.width, 'the path fits the screen');
      // A visitor choosing a path is asked to log in first, and comes back to it.
      await Promise.all([page.waitForNavigation(), org.click()]);
      assert.equal(await page.locator('#uscc').count(), 0);
      await Promise.all([page.waitForNavigation(), page.click('main a.button.primary')]);
      assert.match(page.url(), /\/login\?next=/);
    });
  }
}

test('a member applies on the organisation path and reads the reason of a refusal in Chinese (desktop, zh-CN)', async () => {
  const admin = await open(DESKTOP, 'zh-CN', '198.51.100.70');
  await signIn(admin, BASE, 'admin', adminPassword);
  await admin.goto(`${BASE}/membership?kind=organisation`);
  assert.ok(await admin.locator('#uscc').isVisible());
  assert.equal(await admin.locator('#real_name').count(), 0, 'no personal name on the organisation path');
  await admin.fill('#org_name', '广州番禺厨房电器有限公司');
  await admin.fill('#uscc', '9144030071526726XH');
  await admin.selectOption('#industry', 'C');
  await admin.fill('#contact_name', '陈经理');
  await admin.fill('#contact_phone', '020-3482 6600');
  await admin.fill('#contact_email', 'chen@example.com');
  await Promise.all([admin.waitForNavigation(), admin.click('main form button.primary')]);
  const reason = await admin.textContent('#err-uscc');
  assert.match(reason, /校验码错误/);
  assert.doesNotMatch(reason, /[a-z]{4,}/, `no English in the Chinese reason: ${reason}`);
  assert.equal(await admin.inputValue('#uscc'), '9144030071526726XH', 'what was typed is kept');
});

for (const lang of ['zh-CN', 'en']) {
  test(`TBT facets and charts in the page's language (${lang})`, async () => {
    const page = await open(DESKTOP, lang);
    await page.goto(`${BASE}/tbt`);
    const facets = (await page.locator('details.facets').textContent());
    const stats = await (async () => { await page.goto(`${BASE}/tbt/stats`); return page.locator('main svg').allTextContents(); })();
    if (lang === 'zh-CN') {
      assert.match(facets, /保护动物或植物的生命健康|质量要求/, facets);
      assert.doesNotMatch(facets, /Quality requirements/, facets);
      assert.ok(stats.some((s) => /[\u4e00-\u9fff]/.test(s) && /X|V|I/.test(s)), `sections in Chinese: ${stats}`);
    } else {
      assert.match(facets, /Quality requirements/, facets);
    }
  });
}

for (const [name, viewport, lang] of [['desktop', DESKTOP, 'zh-CN'], ['phone', PHONE, 'en']]) {
  test(`the validity report prints as a document (${name}, ${lang})`, async () => {
    const page = await open(viewport, lang, name === 'desktop' ? '198.51.100.81' : '198.51.100.82');
    await page.goto(`${BASE}/standards/check`);
    await page.fill('#ctext', 'GB/T 5606.1-1996\nGB/T 19001-2016\nXYZ 123');
    await Promise.all([page.waitForNavigation(), page.click('form.form button.primary')]);
    const print = page.locator('button[data-print]');
    assert.ok(await print.isVisible(), 'a print button');
    assert.equal((await print.textContent()).trim(), lang === 'en' ? 'Print' : '打印');
    assert.match(await page.textContent('main'), lang === 'en' ? /Outcomes/ : /结论分布/);
    await page.emulateMedia({ media: 'print' });
    assert.ok(!(await page.locator('header.top').isVisible()), 'no site header on paper');
    assert.ok(!(await print.isVisible()), 'no buttons on paper');
    assert.ok(await page.locator('main table.report-table').isVisible(), 'the table prints');
    assert.ok(await page.locator('.report-issuer').isVisible(), 'the issuer heads the page');
    const no = (await page.locator('main .member-no').first().textContent()).trim();
    // The XLSX the page links to names the report and words the statuses.
    await page.emulateMedia({ media: 'screen' });
    const res = await page.request.get(`${BASE}/standards/check/${no}/xlsx`);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-disposition'], new RegExp(no));
  });
}
