// The guad each browser test file starts for itself, and the checks made
// when it stops: it lived through the tests, it stopped cleanly on TERM,
// and nothing a sanitizer prints (in the ASan build) is in its stderr or
// its access log -- what tests/integration/guadtest.py checks for the
// guad of every integration test.
//
// startGuad(name, options) runs GUAD (the binary run.sh passes) with a
// gua.ini of its own in a fresh folder below TMPDIR, on an ephemeral port
// of 127.0.0.1, and waits for "listening on 127.0.0.1:PORT" and "ready: "
// in its log. options:
//   root     the document root (default: the source tree's www/)
//   dir      the folder to use (default: a new one); the caller may have
//            put a root in it
//   db       [msg] db (default: msg.db in the folder)
//   workers  (default: 2)
//   routes   extra lines for [routes], after the shipped four
//   extra    more gua.ini text, at its end (a [tls] section: the HTTPS
//            listener's address is then g.httpsUrl)
// launchChromium(chromium, hosts, extra) starts the browser the tests drive.
// stopGuad(g, ...) sends TERM to each pid (KILL after 5 s), removes the
// folders, then asserts the above for every one.
// SPDX-License-Identifier: ISC
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const WWW = join(here, '..', '..', 'www');

// What AddressSanitizer, LeakSanitizer and UBSan print on a finding
// (SANITIZER_REPORT in tests/integration/guadtest.py).
export const SANITIZER_REPORT = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/;

// Ready: 10 s at most (an ASan build starts in well under one).
const READY_POLLS = 100;
const READY_POLL_MS = 100;

// Headless Chromium as every browser test runs it: as root (so without
// Chromium's sandbox), with nothing in the background, and with every
// host name but the given loopback addresses resolving to nothing, so
// that no request leaves the machine. extra: more flags.
export function launchChromium(chromium, hosts = ['127.0.0.1'], extra = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: 15000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, ' +
        hosts.map(h => `EXCLUDE ${h}`).join(', '),
      ...extra,
    ],
  });
}

// A page of context whose uncaught errors and failed requests are
// recorded in problems; closed when the test t ends.
export async function watchedPage(context, t) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', r => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  t.after(async () => { await page.close().catch(() => {}); });
  return { page, problems };
}

function sleep(ms) { return new Promise(resolve => setTimeout(resolve, ms)); }

function read(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export async function startGuad(name, options = {}) {
  const GUAD = process.env.GUAD;
  if (!GUAD)
    throw new Error('GUAD must name the guad binary (run tests/e2e/run.sh)');
  const dir = options.dir || mkdtempSync(join(process.env.TMPDIR || tmpdir(), `${name}-`));
  // As root, the workers run as nobody (guad refuses to keep root in them).
  const user = process.getuid && process.getuid() === 0 ? 'user = nobody\n' : '';
  const ini = join(dir, 'gua.ini');
  const g = {
    dir,
    log: join(dir, 'guad.log'),
    accessLog: join(dir, 'access.log'),
    exited: false,
  };
  writeFileSync(ini, `[server]
host = 127.0.0.1
port = 0
workers = ${options.workers || 2}
root = ${options.root || WWW}
error_log = stderr
access_log = ${g.accessLog}
${user}
[msg]
db = ${options.db || join(dir, 'msg.db')}

[routes]
/ = file index.html
/doge.gif = file doge.gif
/msg = msg msg.html
/static/ = dir static
${(options.routes || []).join('\n')}
${options.extra || ''}
`);
  const fd = openSync(g.log, 'w');
  g.proc = spawn(GUAD, ['-c', ini], { stdio: ['ignore', 'ignore', fd] });
  closeSync(fd);
  g.gone = new Promise(resolve => g.proc.once('exit', () => { g.exited = true; resolve(); }));
  for (let i = 0; i < READY_POLLS && !g.exited; i++) {
    const log = read(g.log);
    const m = log.match(/listening on 127\.0\.0\.1:(\d+)/);
    if (m && log.includes('ready: ')) {
      g.url = `http://127.0.0.1:${m[1]}`;
      const tls = log.match(/listening for https on 127\.0\.0\.1:(\d+)/);
      if (tls) g.httpsUrl = `https://127.0.0.1:${tls[1]}`;
      return g;
    }
    await sleep(READY_POLL_MS);
  }
  await stopProcess(g);
  throw new Error(`${name}: guad did not log 'listening on 127.0.0.1:PORT' and 'ready: '` +
    ` (exit ${g.proc.exitCode}, signal ${g.proc.signalCode}):\n${read(g.log)}`);
}

// TERM, then KILL after 5 s: only the process startGuad started.
async function stopProcess(g) {
  if (g.exited) return;
  process.kill(g.proc.pid, 'SIGTERM');
  const t = setTimeout(() => {
    try { process.kill(g.proc.pid, 'SIGKILL'); } catch { /* gone by now */ }
  }, 5000);
  await g.gone;
  clearTimeout(t);
}

// What went wrong with g, which has stopped: [] if nothing.
function problems(g) {
  const log = read(g.log);
  const access = read(g.accessLog);
  const found = [];
  if (g.diedEarly)
    found.push(`guad died during the tests (exit ${g.proc.exitCode}, ` +
      `signal ${g.proc.signalCode})`);
  else if (g.proc.exitCode !== 0)
    found.push(`guad's exit on TERM: ${g.proc.exitCode} (signal ${g.proc.signalCode})`);
  if (SANITIZER_REPORT.test(log)) found.push('a sanitizer report in its stderr');
  if (SANITIZER_REPORT.test(access))
    found.push(`a sanitizer report in its access log: ${access.slice(access.search(SANITIZER_REPORT))}`);
  return found.length ? [`${g.log}: ${found.join('; ')}; its stderr:\n${log}`] : [];
}

// Stops every guad given (all of them, even if one failed), then fails
// with what went wrong with any of them.
export async function stopGuad(...gs) {
  gs = gs.filter(Boolean);
  for (const g of gs) {
    g.diedEarly = g.exited;
    await stopProcess(g);
  }
  const found = gs.flatMap(problems);
  if (!process.env.E2E_KEEP)
    for (const g of gs) rmSync(g.dir, { recursive: true, force: true });
  if (found.length) assert.fail(found.join('\n'));
}
