#!/bin/bash
# End-to-end test: guad seen through a real browser.
#
# Debian's headless Chromium (/usr/bin/chromium, package "chromium", installed
# by `sh tests/deps.sh test`), driven by playwright-core from npm, loads the
# pages, checks the image and the stylesheet, submits the message form, and
# saves screenshots (browser.test.mjs); a directory listing, the 404 and a
# 503 page, shot at desktop and phone widths with their stylesheet and sort
# links checked (pages.test.mjs); and a second loopback origin's page
# that tries to post to the board is refused (security.test.mjs); the board
# over HTTPS, reached from http:// by [tls] redirect, with a test CA made by
# the openssl CLI (https.test.mjs).  `make check` runs this file as one test: exit 0 pass,
# non-zero fail (automake's 77/99 are not used: a missing browser is a failure,
# never a silent skip).
#
# Environment:
#   GUAD           the built binary (default: src/guad, relative to the cwd)
#   SRCDIR         top of the source tree (default: .); read-only is fine
#   E2E_ARTIFACTS  where the screenshots go (default: $PWD/tests/e2e/artifacts)
#   CHROMIUM       the browser (default: /usr/bin/chromium)
#
# Each test file starts its own guad (tests/e2e/guad.mjs) on an ephemeral
# port of 127.0.0.1 with a gua.ini in a temporary directory, stops it by its
# pid and fails if it died, did not exit 0 on TERM, or printed a sanitizer
# report (GUAD from an --enable-asan build).  node_modules is
# installed with `npm ci` next to package.json when that folder is writable,
# or else in a temporary directory (make distcheck: read-only source tree).
# SPDX-License-Identifier: ISC
set -u

me=${0##*/}
fail() { echo "$me: FAIL: $*" >&2; exit 1; }

GUAD=${GUAD:-src/guad}
SRCDIR=${SRCDIR:-.}
case $GUAD in /*) ;; *) GUAD=$PWD/$GUAD ;; esac
SRCDIR=$(cd "$SRCDIR" 2>/dev/null && pwd) || fail "SRCDIR: no such directory"
E2E=$SRCDIR/tests/e2e
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
E2E_ARTIFACTS=${E2E_ARTIFACTS:-$PWD/tests/e2e/artifacts}
case $E2E_ARTIFACTS in /*) ;; *) E2E_ARTIFACTS=$PWD/$E2E_ARTIFACTS ;; esac

# --- what the test needs --------------------------------------------------
[ -x "$GUAD" ] || fail "no guad binary at $GUAD (build it first: make)"
[ -f "$E2E/package-lock.json" ] || fail "no $E2E/package-lock.json (SRCDIR=$SRCDIR)"
[ -x "$CHROMIUM" ] ||
    fail "no browser at $CHROMIUM: install Debian's \"chromium\" package" \
	"(sh tests/deps.sh test, or apt-get install chromium)"
command -v node >/dev/null 2>&1 ||
    fail "no node: install Node.js 18 or newer (Debian package \"nodejs\")"
command -v npm >/dev/null 2>&1 ||
    fail "no npm: install npm (it comes with Node.js 18 or newer)"
node_major=$(node -p 'process.versions.node.split(".")[0]') || node_major=0
[ "$node_major" -ge 18 ] 2>/dev/null ||
    fail "node $(node --version 2>/dev/null) is too old: playwright-core needs 18 or newer"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/guad-e2e.XXXXXX") || fail "mktemp failed"
cleanup() {
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- node_modules: playwright-core, exactly as package-lock.json pins it ----
# Reinstalled when missing or when it is not the version package.json pins.
deps_ok() {
	node -e '
		const fs = require("fs"), path = require("path");
		const want = require(path.join(process.argv[1], "package.json"))
		    .devDependencies["playwright-core"];
		const have = require(path.join(process.argv[1],
		    "node_modules/playwright-core/package.json")).version;
		process.exit(want === have ? 0 : 1);' "$1" 2>/dev/null
}
npm_ci() {
	echo "$me: npm ci in $1"
	(cd "$1" && npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm.log" 2>&1 ||
	    { cat "$tmp/npm.log" >&2; fail "npm ci failed in $1"; }
}
# Root may write anywhere, so also honour the mode bits that make distcheck's
# source tree read-only (chmod a-w), not only what test -w says.
if [ -w "$E2E" ] && [ -n "$(find "$E2E" -maxdepth 0 -perm -u=w 2>/dev/null)" ]; then
	deps=$E2E
else
	deps=$tmp/deps
	mkdir -p "$deps" && cp "$E2E/package.json" "$E2E/package-lock.json" "$deps/" ||
	    fail "cannot copy package.json to $deps"
fi
deps_ok "$deps" || npm_ci "$deps"
deps_ok "$deps" || fail "playwright-core is not installed in $deps/node_modules"

# --- the browser tests ----------------------------------------------------
mkdir -p "$E2E_ARTIFACTS" || fail "cannot create $E2E_ARTIFACTS"
# The workers (nobody, as root) reach each test's [msg] db folder, which
# the master gives them, below it.
chmod 755 "$tmp" && mkdir -p "$tmp/tmp" || fail "cannot make $tmp/tmp"
GUAD=$GUAD \
E2E_DEPS=$deps \
E2E_ARTIFACTS=$E2E_ARTIFACTS \
TMPDIR=$tmp/tmp \
CHROMIUM=$CHROMIUM \
    timeout -k 5 120 node --test --test-reporter=spec \
	"$E2E"/*.test.mjs
status=$?
[ "$status" -eq 124 ] && echo "$me: FAIL: the browser tests took more than 120 s" >&2

echo "$me: screenshots in $E2E_ARTIFACTS"
exit "$status"
