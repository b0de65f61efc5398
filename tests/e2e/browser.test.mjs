// guad in a real browser: Debian's headless Chromium driven by playwright-core.
//
// The guad under test is this file's own (guad.mjs: started on an
// ephemeral port of 127.0.0.1, checked for sanitizer reports when it
// stops). Run by run.sh, which passes:
//   GUAD           the guad binary
//   E2E_DEPS       the folder whose node_modules holds playwright-core
//   E2E_ARTIFACTS  where the screenshots go
//   CHROMIUM       the browser binary (/usr/bin/chromium)
// SPDX-License-Identifier: ISC
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, startGuad, stopGuad, watchedPage } from './guad.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(process.env.E2E_DEPS || here, 'package.json'));
const { chromium } = require('playwright-core');

const ARTIFACTS = process.env.E2E_ARTIFACTS || join(process.cwd(), 'tests/e2e/artifacts');
const WAIT = 5000;              // every wait of a page or an element
const TEST = { timeout: 20000 }; // every test as a whole

// playwright-core gives the browser a fresh profile (--user-data-dir) of its
// own in a temporary folder (below run.sh's, which sets TMPDIR) and removes it.
let browser, context, guad, BASE;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  guad = await startGuad('browser');
  BASE = guad.url;
  browser = await launchChromium(chromium);
  context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  // Belt and braces: a request anywhere but guad fails the test that made it.
  await context.route(url => !url.href.startsWith(BASE + '/'), route => route.abort());
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await stopGuad(guad);
});

function newPage(t) { return watchedPage(context, t); }

function unique(tag) {
  return `e2e-${tag}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function imageLoaded(page) {
  await page.waitForFunction(() => {
    const img = document.querySelector('img');
    return img !== null && img.complete && img.naturalWidth > 0;
  }, null, { timeout: WAIT });
  return page.locator('img').evaluate(img => ({ w: img.naturalWidth, h: img.naturalHeight }));
}

test('/ shows the "Hello Gua" heading and the image has loaded', TEST, async t => {
  const { page, problems } = await newPage(t);
  const gif = page.waitForResponse(r => r.url() === `${BASE}/doge.gif`);
  const resp = await page.goto(`${BASE}/`, { waitUntil: 'load' });
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()['content-type'], /^text\/html/);
  await assert.doesNotReject(
    page.getByRole('heading', { level: 1, name: 'Hello Gua' }).waitFor({ state: 'visible' }));
  assert.equal(await page.title(), 'Hello Gua');

  const img = await gif;
  assert.equal(img.status(), 200);
  assert.equal(img.headers()['content-type'], 'image/gif');
  const size = await imageLoaded(page);
  assert.ok(size.w > 0 && size.h > 0, `naturalWidth ${size.w}, naturalHeight ${size.h}`);
  await assert.doesNotReject(page.locator('img[alt="doge"]').waitFor({ state: 'visible' }));
  assert.deepEqual(problems, []);
});

test('the stylesheet applies under X-Content-Type-Options: nosniff', TEST, async t => {
  const { page, problems } = await newPage(t);
  const css = page.waitForResponse(r => r.url() === `${BASE}/static/style.css`);
  const resp = await page.goto(`${BASE}/`, { waitUntil: 'load' });
  assert.equal(resp.headers()['x-content-type-options'], 'nosniff');

  const sheet = await css;
  assert.equal(sheet.status(), 200);
  assert.equal(sheet.headers()['x-content-type-options'], 'nosniff');
  assert.match(sheet.headers()['content-type'], /^text\/css(;|$)/);

  const h1 = page.locator('h1');
  await h1.waitFor({ state: 'visible' });
  const color = await h1.evaluate(el => getComputedStyle(el).color);
  assert.equal(color, 'rgb(178, 102, 0)', 'h1 colour from /static/style.css');
  // And the stylesheet really is in the document's style sheets.
  const sheets = await page.evaluate(() =>
    [...document.styleSheets].map(s => ({ href: s.href, rules: s.cssRules.length })));
  assert.ok(sheets.some(s => s.href === `${BASE}/static/style.css`), JSON.stringify(sheets));
  assert.ok(sheets.every(s => s.rules > 0), JSON.stringify(sheets));
  assert.deepEqual(problems, []);
});

test('/msg: a posted message comes back after the 303, as text, and only once', TEST, async t => {
  const { page, problems } = await newPage(t);
  const marker = unique('post');
  const typed = `<b>bold</b> "double" 'single' & 你好 ${marker}`;

  const first = await page.goto(`${BASE}/msg`, { waitUntil: 'load' });
  assert.equal(first.status(), 200);
  const input = page.locator('form[action="/msg"] input[name="message"]');
  await input.pressSequentially(typed);
  assert.equal(await input.inputValue(), typed);

  // The GET that follows the POST's redirect, to the page itself.
  const landed = page.waitForResponse(r =>
    r.request().isNavigationRequest() &&
    r.request().method() === 'GET' &&
    r.request().redirectedFrom()?.method() === 'POST');
  await page.getByRole('button', { name: 'Post' }).click();
  const get = await landed;
  await page.waitForLoadState('load');

  const post = get.request().redirectedFrom();
  assert.equal(post.url(), `${BASE}/msg`);
  assert.match(post.headers()['content-type'], /^application\/x-www-form-urlencoded/);
  assert.equal(new URLSearchParams(post.postData()).get('message'), typed);
  const postResp = await post.response();
  assert.equal(postResp.status(), 303, 'the POST is answered 303 See Other');
  assert.equal(postResp.headers()['location'], '/msg');
  assert.equal(get.status(), 200);
  assert.equal(get.url(), `${BASE}/msg`);
  assert.equal(page.url(), `${BASE}/msg`, 'the browser ends on /msg');

  const items = page.locator('ul.messages li', { hasText: marker });
  await items.first().waitFor({ state: 'visible' });
  assert.equal(await items.count(), 1);
  // Shown exactly as typed, as text: markup escaped, not interpreted.
  assert.equal(await items.locator('.text').textContent(), typed);
  const li = await items.textContent();
  assert.ok(li.endsWith(' ' + typed), `li text: ${JSON.stringify(li)}`);
  assert.equal(await page.locator('ul.messages b').count(), 0, 'no <b> element in the list');
  await assert.doesNotReject(items.locator('time[datetime]').waitFor());

  // Reloading re-GETs /msg: the message is not posted again.
  const reload = await page.reload({ waitUntil: 'load' });
  assert.equal(reload.request().method(), 'GET');
  assert.equal(reload.status(), 200);
  assert.equal(page.url(), `${BASE}/msg`);
  await page.locator('ul.messages li', { hasText: marker }).first().waitFor({ state: 'visible' });
  assert.equal(await page.locator('ul.messages li', { hasText: marker }).count(), 1,
    'still one message with the marker after reload');
  assert.deepEqual(problems, []);
});

test('/msg?message=... (the GET way) stores the message and lists it', TEST, async t => {
  const { page, problems } = await newPage(t);
  const marker = unique('get');
  const resp = await page.goto(`${BASE}/msg?message=${encodeURIComponent(marker)}`,
    { waitUntil: 'load' });
  assert.equal(resp.status(), 200);
  const items = page.locator('ul.messages li', { hasText: marker });
  await items.first().waitFor({ state: 'visible' });
  assert.equal(await items.count(), 1);
  assert.equal(await items.locator('.text').textContent(), marker);

  // Stored, not just echoed: the plain page lists it too.
  await page.goto(`${BASE}/msg`, { waitUntil: 'load' });
  await page.locator('ul.messages li', { hasText: marker }).first().waitFor({ state: 'visible' });
  assert.equal(await page.locator('ul.messages li', { hasText: marker }).count(), 1);
  assert.deepEqual(problems, []);
});

test('an unknown path shows the 404 page', TEST, async t => {
  const { page } = await newPage(t);
  const resp = await page.goto(`${BASE}/${unique('nowhere')}/page.html`, { waitUntil: 'load' });
  assert.equal(resp.status(), 404);
  assert.match(resp.headers()['content-type'], /^text\/html/);
  assert.equal(resp.headers()['x-content-type-options'], 'nosniff');
  await assert.doesNotReject(
    page.getByRole('heading', { name: '404 Not Found' }).waitFor({ state: 'visible' }));
  assert.match(await page.locator('body').innerText(), /404 Not Found/);
});

test('screenshots of / and /msg are saved as artifacts', TEST, async t => {
  const { page, problems } = await newPage(t);
  const shots = [
    { path: '/', file: 'index.png', heading: 'Hello Gua' },
    { path: '/msg', file: 'msg.png', heading: 'Messages' },
  ];
  for (const s of shots) {
    const resp = await page.goto(BASE + s.path, { waitUntil: 'load' });
    assert.equal(resp.status(), 200);
    await page.getByRole('heading', { level: 1, name: s.heading }).waitFor({ state: 'visible' });
    if (s.path === '/') await imageLoaded(page);
    const file = join(ARTIFACTS, s.file);
    await page.screenshot({ path: file, fullPage: true, timeout: WAIT });
    const png = readFileSync(file);
    assert.ok(png.length > 1000, `${file}: ${png.length} bytes`);
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${file} is a PNG`);
    t.diagnostic(`${s.path} -> ${file}`);
  }
  assert.deepEqual(problems, []);
});
