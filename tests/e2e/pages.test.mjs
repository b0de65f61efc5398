// The pages a visitor reaches besides files, in a real browser: a
// directory listing, the 404 page and the 503 page, next to / and /msg.
//
// This file starts two guads (guad.mjs: each checked for sanitizer reports
// when it stops): one whose board works, for / and /msg, and one whose
// root is a copy of www/ with a listed folder and whose [msg] db is in a
// folder that does not exist, so that its board answers 503.
//
// Each page is shot at a desktop width (1280) and a phone width (390); each
// must link the site's stylesheet (loaded, with rules, the same background
// as /) and fit the phone's width; the listing's sort links work by plain
// clicks, on a page without any script.
//
// Run by run.sh, which passes GUAD, E2E_DEPS, E2E_ARTIFACTS, CHROMIUM and
// TMPDIR (see browser.test.mjs).
// SPDX-License-Identifier: ISC
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WWW, launchChromium, startGuad, stopGuad } from './guad.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(process.env.E2E_DEPS || here, 'package.json'));
const { chromium } = require('playwright-core');

const ARTIFACTS = process.env.E2E_ARTIFACTS || join(process.cwd(), 'tests/e2e/artifacts');
const WAIT = 5000;
const TEST = { timeout: 30000 };
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

// The listed folder: folders first, then files. Sizes all differ, and
// their order is none of the name order's two. Folders have no size: they
// keep the name order, turned with the order.
const FILES = [
  ['beta.bin', 5000],
  ['alpha.txt', 300],
  ['delta.dat', 12],
  ['a-rather-long-file-name-that-has-to-wrap-on-a-phone-screen.txt', 1],
  ['gamma.log', 70000],
];
const DIRS = ['docs', 'archive'];
const BY_NAME = [...DIRS].sort().map(d => d + '/')
  .concat(FILES.map(f => f[0]).sort());
const BY_SIZE_DESC = [...DIRS].sort().reverse().map(d => d + '/')
  .concat([...FILES].sort((a, b) => b[1] - a[1]).map(f => f[0]));

let browser, board, own, BASE, OWN;

// The guad whose board does not work: its root is a copy of www/ with
// the listed folder.
async function startOwn() {
  const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'pages-'));
  const root = join(dir, 'www');
  cpSync(WWW, root, { recursive: true });
  chmodSync(root, 0o755); // a copy of a read-only tree (make distcheck)
  const files = join(root, 'files');
  mkdirSync(files);
  const then = new Date('2026-01-02T03:04:05Z');
  FILES.forEach(([name, size], i) => {
    writeFileSync(join(files, name), Buffer.alloc(size, 0x61));
    utimesSync(join(files, name), then, new Date(then.getTime() + i * 86400000));
  });
  for (const d of DIRS) mkdirSync(join(files, d));
  writeFileSync(join(files, 'docs', 'readme.txt'), 'inside\n');
  for (const d of DIRS) utimesSync(join(files, d), then, then);
  return startGuad('pages-own', {
    dir, root, workers: 1,
    db: join(dir, 'no-such-folder', 'msg.db'),
    routes: ['/files/ = dir files listing'],
  });
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  board = await startGuad('pages');
  BASE = board.url;
  own = await startOwn();
  OWN = own.url;
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close().catch(() => {});
  await stopGuad(board, own);
});

async function newPage(t, size) {
  const context = await browser.newContext({
    viewport: { width: size.width, height: size.height },
  });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  await context.route(url => !url.href.startsWith(BASE + '/') && !url.href.startsWith(OWN + '/'),
    route => route.abort());
  t.after(async () => { await context.close().catch(() => {}); });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', r => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  return { page, problems };
}

// What the page took from the site's stylesheet.
async function look(page) {
  return page.evaluate(() => {
    const links = [...document.querySelectorAll('link[rel="stylesheet"]')];
    return {
      links: links.map(l => ({
        href: l.href,
        rules: l.sheet ? l.sheet.cssRules.length : -1,
      })),
      background: getComputedStyle(document.body).backgroundColor,
      h1: document.querySelector('h1') ? getComputedStyle(document.querySelector('h1')).color : null,
      scripts: document.scripts.length,
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    };
  });
}

async function shoot(t, page, file) {
  const path = join(ARTIFACTS, file);
  await page.screenshot({ path, fullPage: true, timeout: WAIT });
  const png = readFileSync(path);
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${path} is a PNG`);
  t.diagnostic(`${page.url()} -> ${path}`);
}

// The look of /: what every other page must match.
let reference;
async function referenceLook(t) {
  if (reference) return reference;
  const { page } = await newPage(t, WIDTHS[0]);
  await page.goto(`${BASE}/`, { waitUntil: 'load' });
  reference = await look(page);
  assert.equal(reference.links.length, 1, JSON.stringify(reference));
  assert.ok(reference.links[0].rules > 0, JSON.stringify(reference));
  await page.context().close();
  return reference;
}

// The page links /static/style.css and the browser has its rules (from the
// network or its cache: as many as /'s), so the colours come from it.
function assertStyled(got, base, ref, what) {
  const detail = `${what}: ${JSON.stringify(got)}`;
  assert.deepEqual(got.links.map(l => l.href), [`${base}/static/style.css`], detail);
  assert.equal(got.links[0].rules, ref.links[0].rules, `${detail}: the stylesheet's rules`);
  assert.equal(got.background, ref.background, `${detail}: background as on /`);
  assert.equal(got.h1, ref.h1, `${detail}: heading colour as on /`);
  assert.ok(got.scrollWidth <= got.clientWidth,
    `${detail}: wider than the window (${got.scrollWidth} > ${got.clientWidth})`);
}

const PAGES = [
  { name: 'index', base: () => BASE, path: '/', status: 200, heading: 'Hello Gua' },
  { name: 'msg', base: () => BASE, path: '/msg', status: 200, heading: 'Messages' },
  { name: 'listing', base: () => OWN, path: '/files/', status: 200, heading: /files/ },
  { name: '404', base: () => OWN, path: '/no/such/page.html', status: 404, heading: '404 Not Found' },
  { name: '503', base: () => OWN, path: '/msg', status: 503, heading: /503/ },
];

for (const size of WIDTHS) {
  test(`listing, 404 and 503 in the site's look next to / and /msg, ${size.name} (${size.width} px)`,
    TEST, async t => {
      const ref = await referenceLook(t);
      const { page, problems } = await newPage(t, size);
      for (const p of PAGES) {
        const base = p.base();
        const resp = await page.goto(base + p.path, { waitUntil: 'load' });
        assert.equal(resp.status(), p.status, `${p.name}: ${base}${p.path}`);
        assert.match(resp.headers()['content-type'], /^text\/html/);
        await page.getByRole('heading', { level: 1, name: p.heading }).waitFor({ state: 'visible' });
        if (p.name === 'index')
          await page.waitForFunction(() => {
            const img = document.querySelector('img');
            return img && img.complete && img.naturalWidth > 0;
          }, null, { timeout: WAIT });
        assertStyled(await look(page), base, ref, `${p.name} at ${size.width} px`);
        await shoot(t, page, `${p.name}-${size.name}.png`);
      }
      assert.deepEqual(problems, []);
    });
}

// The names in the listing, in page order.
function rows(page) {
  return page.locator('table.listing tbody tr td:first-child a').allTextContents();
}

test('the listing\'s sort links sort it, by plain links without any script', TEST, async t => {
  const { page, problems } = await newPage(t, WIDTHS[0]);
  const resp = await page.goto(`${OWN}/files/`, { waitUntil: 'load' });
  assert.equal(resp.status(), 200);
  assert.equal((await look(page)).scripts, 0, 'the listing has no script');
  assert.equal(await page.locator('[onclick], [onload], [onchange]').count(), 0);
  assert.deepEqual(await rows(page), BY_NAME, 'by name at first');

  // Size: first click ascending, the second turns it to descending.
  await page.locator('table.listing thead th.size a').click();
  await page.waitForURL(/\?sort=size&order=asc$/);
  assert.deepEqual(await rows(page), DIRS.slice().sort().map(d => d + '/')
    .concat([...FILES].sort((a, b) => a[1] - b[1]).map(f => f[0])), 'by size, ascending');
  await page.locator('table.listing thead th.size a').click();
  await page.waitForURL(/\?sort=size&order=desc$/);
  assert.deepEqual(await rows(page), BY_SIZE_DESC, 'by size, descending');
  assert.equal(await page.locator('th[aria-sort="descending"]').count(), 1);
  await shoot(t, page, 'listing-by-size.png');

  // Then by name again.
  await page.getByRole('link', { name: 'Name', exact: true }).click();
  await page.waitForURL(/\?sort=name&order=asc$/);
  assert.deepEqual(await rows(page), BY_NAME, 'by name, after the size');
  assert.deepEqual(problems, []);
});
