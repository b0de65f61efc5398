// The board over HTTPS in headless Chromium (driven by playwright-core).
//
// A test CA and a leaf for 127.0.0.1 are made with the openssl CLI; the
// browser trusts that leaf alone, by the SHA-256 of its public key
// (--ignore-certificate-errors-spki-list): any other certificate is still
// an error. guad listens for HTTP and HTTPS with [tls] redirect = on, so
// the browser is sent from http:// to https:// (308), loads the board,
// posts to /msg over TLS and sees its message.
//
// Its guad is its own (guad.mjs). Run by run.sh, which passes GUAD,
// E2E_DEPS, E2E_ARTIFACTS and CHROMIUM (see browser.test.mjs).
// SPDX-License-Identifier: ISC
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, startGuad, stopGuad, watchedPage } from './guad.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(process.env.E2E_DEPS || here, 'package.json'));
const { chromium } = require('playwright-core');

const ARTIFACTS = process.env.E2E_ARTIFACTS || join(process.cwd(), 'tests/e2e/artifacts');
const WAIT = 5000;
const TEST = { timeout: 20000 };
const HSTS = 'max-age=300';

let browser, context, guad, PLAIN, HTTPS, SPKI;

function openssl(args, input) {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30000 });
}

// A CA, and a leaf for 127.0.0.1 it signs (ECDSA P-256), in dir; the
// leaf's file holds the leaf, then the CA. Returns the paths and the
// base64 SHA-256 of the leaf's SubjectPublicKeyInfo.
function makeCertificates(dir) {
  const p = name => join(dir, name);
  const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['genpkey', ...ec, '-out', p('ca.key')]);
  openssl(['req', '-x509', '-new', '-key', p('ca.key'), '-out', p('ca.pem'), '-days', '2',
    '-subj', '/CN=guad e2e test CA',
    '-addext', 'basicConstraints=critical,CA:true',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['genpkey', ...ec, '-out', p('leaf.key')]);
  openssl(['req', '-new', '-key', p('leaf.key'), '-out', p('leaf.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(p('leaf.ext'), 'subjectAltName=IP:127.0.0.1\n' +
    'extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  openssl(['x509', '-req', '-in', p('leaf.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'),
    '-CAcreateserial', '-days', '2', '-extfile', p('leaf.ext'), '-out', p('leaf.pem')]);
  const chain = openssl(['x509', '-in', p('leaf.pem')]).toString() +
    openssl(['x509', '-in', p('ca.pem')]).toString();
  writeFileSync(p('chain.pem'), chain);
  const spki = openssl(['pkey', '-pubin', '-outform', 'der'],
    openssl(['x509', '-in', p('leaf.pem'), '-pubkey', '-noout']));
  const digest = openssl(['dgst', '-sha256', '-binary'], spki);
  return { cert: p('chain.pem'), key: p('leaf.key'), spki: digest.toString('base64') };
}

// A port of 127.0.0.1 that was free a moment ago, for [tls] port.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function unique(tag) {
  return `tls-${tag}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'https-'));
  const certs = makeCertificates(dir);
  SPKI = certs.spki;
  guad = await startGuad('https', {
    dir,
    extra: `[tls]
port = ${await freePort()}
certificate = ${certs.cert}
key = ${certs.key}
redirect = on
hsts = ${HSTS}
`,
  });
  PLAIN = guad.url;
  HTTPS = guad.httpsUrl;
  assert.ok(HTTPS, 'guad says where it listens for https');
  // this leaf, and no other certificate, passes without a trusted root
  browser = await launchChromium(chromium, ['127.0.0.1'],
    [`--ignore-certificate-errors-spki-list=${SPKI}`]);
  context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  await context.route(url => !url.href.startsWith(PLAIN + '/') && !url.href.startsWith(HTTPS + '/'),
    route => route.abort());
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await stopGuad(guad);
});

function newPage(t) { return watchedPage(context, t); }

test('http:// is sent to https:// and the board posts over TLS', TEST, async t => {
  const { page, problems } = await newPage(t);
  const marker = unique('post');

  const first = await page.goto(`${PLAIN}/msg?from=plain`, { waitUntil: 'load' });
  const hop = first.request().redirectedFrom();
  assert.ok(hop, 'the plain request was redirected');
  assert.equal((await hop.response()).status(), 308);
  assert.equal(page.url(), `${HTTPS}/msg?from=plain`);
  assert.equal(first.status(), 200);
  assert.equal(first.headers()['strict-transport-security'], HSTS);
  const security = await first.securityDetails();
  assert.equal(security.protocol, 'TLS 1.3');
  assert.equal(security.subjectName, '127.0.0.1');
  assert.equal(security.issuer, 'guad e2e test CA');

  const landed = page.waitForResponse(r =>
    r.request().isNavigationRequest() &&
    r.request().method() === 'GET' &&
    r.request().redirectedFrom()?.method() === 'POST');
  await page.locator('form[action="/msg"] input[name="message"]').fill(marker);
  await page.getByRole('button', { name: 'Post' }).click();
  const get = await landed;
  await page.waitForLoadState('load');
  const post = get.request().redirectedFrom();
  assert.equal(post.url(), `${HTTPS}/msg`);
  assert.equal((await post.response()).status(), 303);
  assert.equal(page.url(), `${HTTPS}/msg`);

  const items = page.locator('ul.messages li', { hasText: marker });
  await items.first().waitFor({ state: 'visible' });
  assert.equal(await items.count(), 1);
  assert.equal(await items.locator('.text').textContent(), marker);
  await page.screenshot({ path: join(ARTIFACTS, 'msg-https.png'), fullPage: true, timeout: WAIT });
  assert.deepEqual(problems, []);
});
