#!/usr/bin/env bash
# bench/tls.sh: the HTTPS benchmark: guad against nginx, lighttpd and h2o
# with the same ECDSA P-256 certificate, TLS 1.3, one worker on CPU 0.
#
#   bash bench/tls.sh
#
# Installs what it needs with apt-get, builds guad (-O2) from the working
# tree in bench/build/tls-tree/ and bench/floor_tls.c (the floor: the same
# OpenSSL calls, nothing else), then runs bench/tls.py, which measures,
# prints a Markdown section and puts it in bench/RESULTS.md (see its
# header for what is measured and how). Separate from bench/run.sh (the
# plain-HTTP benchmark) so that either runs alone; never part of
# make check.
#
# Environment: ROUNDS (3), DURATION (4), IDLE_N (1000), CG_N (100),
# SKIP_CALLGRIND=1, SERVERS
# ("guad nginx lighttpd h2o floor"), SKIP_BUILD=1 (reuse the last build).
# SPDX-License-Identifier: ISC
set -eu -o pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
BUILD=$BENCH/build
TREE=$BUILD/tls-tree
mkdir -p "$BUILD"

log() { printf '%s [tls] %s\n' "$(date +%T)" "$*" >&2; }

# the servers, lighttpd's TLS module, wrk, openssl s_time, and guad's own
# build dependencies
sh "$REPO/tests/deps.sh" bench

GUAD=$TREE/src/guad
if [ "${SKIP_BUILD:-0}" = 1 ] && [ -x "$GUAD" ]; then
	log "SKIP_BUILD=1: using $GUAD"
else
	log "building guad (-O2) from the working tree in $TREE"
	rm -rf "$TREE"
	mkdir -p "$TREE"
	git -C "$REPO" ls-files -z --cached --others --exclude-standard |
	    grep -z -v -E '^(bench|build[^/]*)/' |
	    tar -C "$REPO" --null -T - -cf - | tar -C "$TREE" -xf -
	(cd "$TREE" && autoreconf -fi && ./configure CFLAGS=-O2 &&
	    make -j"$(nproc)" src/guad) > "$BUILD/tls-build.log" 2>&1 || {
		tail -20 "$BUILD/tls-build.log" >&2
		exit 1
	}
fi
FLOOR=$BUILD/floor_tls
gcc -O2 -Wall -o "$FLOOR" "$BENCH/floor_tls.c" -lssl -lcrypto

exec python3 "$BENCH/tls.py" "$GUAD" "$FLOOR"
