// Cross-site writes to the board, as a real browser makes them.
//
// A tiny page server of this test, on a second loopback origin
// (http://127.0.0.2:PORT), serves another site's page: a form that posts
// to guad's /msg, and an image whose URL would post by the GET way. In
// headless Chromium (driven by playwright-core) both are refused with 403
// and store nothing, while the same form on guad's own /msg page posts.
//
// Its guad is its own (guad.mjs). Run by run.sh, which passes GUAD,
// E2E_DEPS, E2E_ARTIFACTS and CHROMIUM (see browser.test.mjs).
// SPDX-License-Identifier: ISC
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, startGuad, stopGuad } from './guad.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(process.env.E2E_DEPS || here, 'package.json'));
const { chromium } = require('playwright-core');

const ARTIFACTS = process.env.E2E_ARTIFACTS || join(process.cwd(), 'tests/e2e/artifacts');
const WAIT = 5000;
const TEST = { timeout: 20000 };

let browser, context, other, OTHER, guad, BASE;
const pages = new Map(); // path -> HTML the other origin serves

function unique(tag) {
  return `sec-${tag}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  guad = await startGuad('security');
  BASE = guad.url;
  // The other site: another loopback address, an ephemeral port.
  other = createServer((req, res) => {
    const html = pages.get(req.url.split('?')[0]);
    res.writeHead(html ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html || 'not here');
  });
  await new Promise((resolve, reject) => {
    other.once('error', reject);
    other.listen(0, '127.0.0.2', resolve);
  });
  OTHER = `http://127.0.0.2:${other.address().port}`;

  browser = await launchChromium(chromium, ['127.0.0.1', '127.0.0.2']);
  context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  // Only guad and the other site of this test are ever reached.
  await context.route(url => !url.href.startsWith(BASE + '/') && !url.href.startsWith(OTHER + '/'),
    route => route.abort());
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await new Promise(resolve => (other ? other.close(resolve) : resolve()));
  await stopGuad(guad);
});

// The board as a plain client sees it: is text on it?
async function onBoard(text) {
  const res = await fetch(`${BASE}/msg`);
  assert.equal(res.status, 200);
  return (await res.text()).includes(text);
}

async function newPage(t) {
  const page = await context.newPage();
  t.after(async () => { await page.close().catch(() => {}); });
  return page;
}

test('the form on guad\'s own page still posts', TEST, async t => {
  const page = await newPage(t);
  const marker = unique('own');
  await page.goto(`${BASE}/msg`, { waitUntil: 'load' });
  await page.locator('form[action="/msg"] input[name="message"]').fill(marker);
  const post = page.waitForRequest(r => r.method() === 'POST' && r.url() === `${BASE}/msg`);
  const done = page.waitForResponse(r => r.url() === `${BASE}/msg` && r.request().method() === 'GET');
  await page.getByRole('button', { name: 'Post' }).click();
  // what the browser said, so that this test shows the check is met
  assert.equal((await post).headers()['origin'], BASE);
  assert.equal((await done).status(), 200);
  await page.locator('ul.messages li', { hasText: marker }).first().waitFor({ state: 'visible' });
  assert.ok(await onBoard(marker));
});

test('the same form on another origin is refused: 403, nothing stored', TEST, async t => {
  const page = await newPage(t);
  const marker = unique('form');
  pages.set('/form.html', `<!DOCTYPE html><html><head><title>other</title></head><body>
<form method="post" action="${BASE}/msg">
<input type="text" name="message" value="${marker}">
<button type="submit">Post</button>
</form></body></html>`);
  await page.goto(`${OTHER}/form.html`, { waitUntil: 'load' });
  const post = page.waitForResponse(r => r.url() === `${BASE}/msg` && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Post' }).click();
  const resp = await post;
  assert.equal(resp.request().headers()['origin'], OTHER);
  assert.equal(resp.status(), 403);
  await page.waitForLoadState('load');
  assert.match(await page.locator('body').innerText(), /own page/);
  await page.screenshot({ path: join(ARTIFACTS, 'cross-site-form.png'), fullPage: true });
  assert.equal(await onBoard(marker), false, 'the message was stored');
});

test('an image on another origin cannot post by the GET way', TEST, async t => {
  const page = await newPage(t);
  const marker = unique('img');
  const src = `${BASE}/msg?message=${encodeURIComponent(marker)}`;
  pages.set('/img.html', `<!DOCTYPE html><html><head><title>other</title></head><body>
<img src="${src}" alt="x"></body></html>`);
  // The browser sends it; the answer (403 text/html) is blocked for an
  // image by the browser whatever guad says, so the board tells.
  const sent = page.waitForRequest(r => r.url() === src);
  const ended = new Promise(resolve => {
    page.on('requestfinished', r => { if (r.url() === src) resolve('finished'); });
    page.on('requestfailed', r => { if (r.url() === src) resolve('failed'); });
  });
  await page.goto(`${OTHER}/img.html`, { waitUntil: 'load' });
  await sent;
  await ended;
  assert.equal(await page.locator('img').evaluate(i => i.naturalWidth), 0);
  assert.equal(await onBoard(marker), false, 'the message was stored');
  // and the very same URL, opened on guad's own origin, posts
  const own = await page.goto(src, { waitUntil: 'load' });
  assert.equal(own.status(), 200);
  assert.ok(await onBoard(marker));
});
