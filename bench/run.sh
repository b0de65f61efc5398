#!/usr/bin/env bash
# bench/run.sh: benchmark guad against nginx and lighttpd on this machine.
#
#   bash bench/run.sh
#
# Installs what it needs with apt-get, builds guad (-O2) in bench/build/,
# starts guad, nginx and lighttpd itself on free ports of 127.0.0.1 (one
# worker each, server on CPU 0, wrk on CPU 1), measures in interleaved
# rounds and prints a table, also written to bench/RESULTS.md. Raw outputs
# of the last run are kept in bench/build/raw/.
#
# Beside the servers runs bench/floor.c, which answers with guad's own
# response bytes and does nothing but read and write: what the kernel
# costs per request, the floor under every server's CPU figures.
#
# Besides the per-request costs it measures how cost grows:
#   - concurrency: small file keep-alive req/s with CONNS connections
#     against CONNS_HIGH (every server);
#   - routes: guad with 1 route against ROUTES_N routes (half exact file
#     routes, half dir routes, the measured one in the middle half of each
#     sorted table, where a binary search takes the most probes), as
#     instructions per request under callgrind and req/s;
#   - the message board: GET /msg with 100 stored messages against
#     MSG_BIG (a second database filled through python3's sqlite3);
#   - memory per idle connection: what the server's processes grow by
#     per connection, what they reserve per connection slot whether used
#     or not, and the kernel's socket memory (from /proc/slabinfo).
#
# Environment: ROUNDS (5), DURATION (5, seconds per wrk run), CONNS (64),
# CONNS_HIGH (10000 connections for the concurrency run), CONC_DURATION
# (2 x DURATION: its wrk run, longer because wrk first spends about a
# second opening CONNS_HIGH connections), CONN_LIMIT
# (connection limit of every server: CONNS_HIGH + 1024, at least IDLE_N +
# 1024), ROUTES_N (1000), MSG_BIG (1000000 messages), STRACE_DURATION (3),
# CG_N (2000 requests under callgrind; the route and message-board runs
# first send CG_WARM (20), also sent in their baseline), IDLE_N (2000 idle
# connections),
# QUIET_WAIT (10) / QUIET_BUDGET (180): seconds to wait before a timed run
# for other processes to leave the CPUs alone, per run / in all,
# SKIP_CALLGRIND=1, SKIP_STRACE=1, SKIP_CONC=1 (no CONNS_HIGH run),
# SKIP_ROUTES=1, SKIP_MSGBIG=1, SKIP_SLOTS=1 (no per-slot memory),
# SKIP_FLOOR=1 (no run of bench/floor.c, the read-and-write yardstick),
# SKIP_BUILD=1 (reuse bench/build/tree/src/guad), SERVERS ("guad nginx
# lighttpd").
# SPDX-License-Identifier: ISC
set -u -o pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
STRACE_DURATION=${STRACE_DURATION:-3}
CG_N=${CG_N:-2000}
IDLE_N=${IDLE_N:-2000}
SKIP_CALLGRIND=${SKIP_CALLGRIND:-0}
SKIP_STRACE=${SKIP_STRACE:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
CONNS_HIGH=${CONNS_HIGH:-10000}
CONC_DURATION=${CONC_DURATION:-$((2 * DURATION))}
ROUTES_N=${ROUTES_N:-1000}
MSG_BIG=${MSG_BIG:-1000000}
SKIP_CONC=${SKIP_CONC:-0}
SKIP_ROUTES=${SKIP_ROUTES:-0}
SKIP_MSGBIG=${SKIP_MSGBIG:-0}
SKIP_SLOTS=${SKIP_SLOTS:-0}
SKIP_FLOOR=${SKIP_FLOOR:-0}
_lim=$CONNS_HIGH
[ "$IDLE_N" -gt "$_lim" ] && _lim=$IDLE_N
CONN_LIMIT=${CONN_LIMIT:-$((_lim + 1024))}
# the listen backlog of every server (guad uses SOMAXCONN)
BACKLOG=$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo 4096)
read -r -a SERVERS <<< "${SERVERS:-guad nginx lighttpd}"
SRV_CPU=0
WRK_CPU=1

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH")
BUILD=$BENCH/build
RAW=$BUILD/raw
T_START=$(date +%s)

log() { printf '%s [bench] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# ------------------------------------------------------------------ cleanup
# Every long-running process we start is recorded here and stopped by pid.
PIDS=()
TMP=
POLICY_RC_CREATED=0

track() { PIDS+=("$1"); }
untrack() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]+"${keep[@]}"}")
}

# kill_tree PID SIG SECS: signal PID, wait up to SECS for it to go, then
# SIGKILL it and the children it had.
kill_tree() {
	local pid=$1 sig=$2 secs=$3 kids i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ')
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		# a zombie child of ours counts as gone
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
		log "pid $pid did not stop on SIG$sig within ${secs}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	# leftovers (e.g. workers of a master that was killed)
	for i in $kids; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$i" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$i" 2>/dev/null && kill -KILL "$i" 2>/dev/null
	done
	untrack "$pid"
	return 0
}

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		kill_tree "$p" TERM 5
	done
	if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		# keep the logs with the raw results
		cp -r "$TMP"/guad/*.log "$TMP"/nginx/*.log "$TMP"/lighttpd/*.log "$RAW"/ 2>/dev/null
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ------------------------------------------------------------------ install
install_deps() {
	local pkgs="nginx lighttpd wrk strace valgrind procps python3 util-linux coreutils
build-essential autoconf automake pkg-config libinih-dev libmagic-dev libsqlite3-dev check"
	local missing= p sudo=
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		    missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	log "installing:$missing"
	# Installing nginx/lighttpd must not start the system services.
	if [ ! -e /usr/sbin/policy-rc.d ] && [ -z "$sudo" ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		POLICY_RC_CREATED=1
	fi
	$sudo apt-get update -qq || die "apt-get update failed"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing || die "apt-get install failed"
	if [ "$POLICY_RC_CREATED" = 1 ]; then
		rm -f /usr/sbin/policy-rc.d
		POLICY_RC_CREATED=0
	fi
}

# ------------------------------------------------------------------ build
# build_from SRC(worktree|head): copy the sources to $BUILD/tree and build
build_from() {
	rm -rf "$BUILD/tree"
	mkdir -p "$BUILD/tree"
	if [ "$1" = head ]; then
		git -C "$REPO" archive HEAD | tar -C "$BUILD/tree" -xf - || return 1
	else
		# A copy of the working tree without build products (the source
		# tree may be configured in place, which rules out a VPATH build).
		tar -C "$REPO" \
		    --exclude=./.git --exclude=./bench --exclude='./build*' \
		    --exclude='*.o' --exclude='*.a' --exclude=.deps --exclude=.dirstamp \
		    --exclude=./autom4te.cache --exclude=./config.status \
		    --exclude=./config.log --exclude=./config.h --exclude=./stamp-h1 \
		    --exclude=./Makefile --exclude=./Makefile.in --exclude=./configure \
		    --exclude='./configure~' --exclude='./config.h.in~' \
		    --exclude=./aclocal.m4 --exclude=./build-aux --exclude=./src/guad \
		    --exclude='*.trs' --exclude='*.log' --exclude='msg.db*' \
		    --exclude=__pycache__ -cf - . | tar -C "$BUILD/tree" -xf - || return 1
	fi
	(cd "$BUILD/tree" && autoreconf -fi && ./configure CFLAGS=-O2 &&
	    make -j"$(nproc)" src/guad) > "$BUILD/build.log" 2>&1 && [ -x "$GUAD" ]
}

GUAD_SOURCE="working tree"
build_guad() {
	GUAD=$BUILD/tree/src/guad
	if [ "$SKIP_BUILD" = 1 ] && [ -x "$GUAD" ]; then
		log "SKIP_BUILD=1: using $GUAD"
		GUAD_SOURCE="a previous build (SKIP_BUILD=1)"
		return 0
	fi
	log "building guad (-O2) from the working tree in $BUILD/tree"
	build_from worktree && return 0
	tail -15 "$BUILD/build.log" >&2
	cp "$BUILD/build.log" "$BUILD/build-worktree-failed.log"
	# Others edit src/ while this runs: a half-done edit should not stop
	# the benchmark, so fall back to the last commit.
	if git -C "$REPO" rev-parse HEAD >/dev/null 2>&1; then
		log "the working tree does not build (see $BUILD/build-worktree-failed.log): building HEAD"
		GUAD_SOURCE="HEAD (the working tree did not build)"
		build_from head && return 0
		tail -15 "$BUILD/build.log" >&2
	fi
	die "building guad failed (see $BUILD/build.log)"
}

# bench/floor.c: the yardstick that only reads and writes (see its header)
build_floor() {
	FLOOR=$BUILD/floor
	gcc -O2 -o "$FLOOR" "$BENCH/floor.c" >> "$BUILD/build.log" 2>&1 ||
	    die "building bench/floor.c failed (see $BUILD/build.log)"
}

# ------------------------------------------------------------------ helpers
PY() { python3 "$BENCH/bench.py" "$@"; }
calc() { awk "BEGIN { printf \"%.6g\", $* }"; }
TSV=
rec() {	# rec ROUND SERVER KEY VALUE [TEXT]
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >> "$TSV"
}
# kv FILE KEY: value of KEY=VALUE lines
kv() { sed -n "s/^$2=//p" "$1" | head -1; }

SEQ=0
SRV_PID= SRV_PORT= SRV_WORKER= SRV_LOG= SRV_NAME= SRV_VG=0 SRV_CGDIR=

# ------------------------------------------------------------------ servers
# start_SERVER [valgrind]: sets SRV_PID, SRV_PORT, SRV_WORKER (the process
# that serves: strace target), SRV_LOG. Returns non-zero on failure.
# SRV_LIMIT (default CONN_LIMIT) is the connection limit of the server;
# for guad, GUAD_DB and GUAD_ROUTES (default: the whole docroot and the
# message board) change its database and [routes].
SRV_LIMIT=
GUAD_DB=
GUAD_ROUTES=

guad_ini() {
	local d=$TMP/guad allow=off
	local db=${GUAD_DB:-$d/msg.db}
	local routes=${GUAD_ROUTES:-$'/ = dir .\n/msg = msg msg.html'}
	# as nginx's "user root" below: run as whoever runs the benchmark
	[ "$(id -u)" -eq 0 ] && allow=on
	cat > "$d/gua.ini" <<EOF
[server]
host = 127.0.0.1
port = 0
workers = 1
root = $DOC
error_log = stderr
access_log = off
allow_root = $allow

[limits]
connections = ${SRV_LIMIT:-$CONN_LIMIT}

[timeouts]
keepalive = 60

[msg]
db = $db
page_size = 100

[routes]
$routes
EOF
}

start_guad() {
	local vg=${1:-0} d=$TMP/guad i prefix=()
	SEQ=$((SEQ + 1))
	SRV_NAME=guad SRV_VG=$vg SRV_LOG=$d/guad.$SEQ.log
	guad_ini
	if [ "$vg" = 1 ]; then
		SRV_CGDIR=$TMP/cg/guad.$SEQ
		mkdir -p "$SRV_CGDIR"
		prefix=(valgrind --tool=callgrind --trace-children=yes
		    "--callgrind-out-file=$SRV_CGDIR/callgrind.out.%p")
	fi
	taskset -c "$SRV_CPU" "${prefix[@]+"${prefix[@]}"}" "$GUAD" -c "$d/gua.ini" \
	    > "$d/guad.$SEQ.stdout.log" 2> "$SRV_LOG" &
	SRV_PID=$!
	track "$SRV_PID"
	for ((i = 0; i < 1200; i++)); do
		grep -q 'ready: 1 worker' "$SRV_LOG" 2>/dev/null && break
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q 'ready: 1 worker' "$SRV_LOG"; then
		log "guad did not become ready; its log:"
		tail -20 "$SRV_LOG" >&2
		kill_tree "$SRV_PID" KILL 1
		return 1
	fi
	SRV_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$SRV_LOG" | head -1)
	SRV_WORKER=$(pgrep -P "$SRV_PID" | head -1)
	[ -n "$SRV_PORT" ] && [ -n "$SRV_WORKER" ] || return 1
	PY waitport "$SRV_PORT" 30 || return 1
}

start_nginx() {
	local vg=${1:-0} d=$TMP/nginx prefix=() mp=on user=
	SEQ=$((SEQ + 1))
	SRV_NAME=nginx SRV_VG=$vg SRV_LOG=$d/error.$SEQ.log
	SRV_PORT=$(PY freeport)
	[ "$(id -u)" -eq 0 ] && user="user root;"
	mkdir -p "$d/tmp"
	cat > "$d/nginx.conf" <<EOF
$user
worker_processes 1;
worker_rlimit_nofile $((2 * ${SRV_LIMIT:-$CONN_LIMIT} + 256));
pid $d/nginx.pid;
error_log $SRV_LOG warn;
events {
    worker_connections ${SRV_LIMIT:-$CONN_LIMIT};
}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_timeout 60;
    keepalive_requests 1000000;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:$SRV_PORT backlog=$BACKLOG;
        server_name localhost;
        root $DOC;
    }
}
EOF
	if [ "$vg" = 1 ]; then
		SRV_CGDIR=$TMP/cg/nginx.$SEQ
		mkdir -p "$SRV_CGDIR"
		prefix=(valgrind --tool=callgrind
		    "--callgrind-out-file=$SRV_CGDIR/callgrind.out.%p")
		mp=off
	fi
	taskset -c "$SRV_CPU" "${prefix[@]+"${prefix[@]}"}" nginx -p "$d" -e "$SRV_LOG" \
	    -c "$d/nginx.conf" -g "daemon off; master_process $mp;" \
	    > "$d/nginx.$SEQ.stdout.log" 2>> "$SRV_LOG" &
	SRV_PID=$!
	track "$SRV_PID"
	if ! PY waitport "$SRV_PORT" 120 || ! kill -0 "$SRV_PID" 2>/dev/null; then
		log "nginx did not start; its log:"
		tail -20 "$SRV_LOG" >&2
		kill_tree "$SRV_PID" KILL 1
		return 1
	fi
	if [ "$vg" = 1 ]; then SRV_WORKER=$SRV_PID; else
		for _ in $(seq 50); do
			SRV_WORKER=$(pgrep -P "$SRV_PID" | head -1)
			[ -n "$SRV_WORKER" ] && break
			sleep 0.1
		done
	fi
	[ -n "$SRV_WORKER" ]
}

start_lighttpd() {
	local vg=${1:-0} d=$TMP/lighttpd prefix=()
	SEQ=$((SEQ + 1))
	SRV_NAME=lighttpd SRV_VG=$vg SRV_LOG=$d/error.$SEQ.log
	SRV_PORT=$(PY freeport)
	mkdir -p "$d"
	cat > "$d/lighttpd.conf" <<EOF
server.document-root = "$DOC"
server.bind = "127.0.0.1"
server.port = $SRV_PORT
server.errorlog = "$SRV_LOG"
server.modules = ()
server.max-worker = 0
server.max-connections = ${SRV_LIMIT:-$CONN_LIMIT}
server.max-fds = $((2 * ${SRV_LIMIT:-$CONN_LIMIT} + 256))
server.listen-backlog = $BACKLOG
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 60
server.network-backend = "sendfile"
index-file.names = ( "index.html" )
mimetype.assign = (
    ".html" => "text/html",
    ".css" => "text/css",
    ".gif" => "image/gif",
    ".bin" => "application/octet-stream",
    "" => "application/octet-stream"
)
EOF
	if [ "$vg" = 1 ]; then
		SRV_CGDIR=$TMP/cg/lighttpd.$SEQ
		mkdir -p "$SRV_CGDIR"
		prefix=(valgrind --tool=callgrind
		    "--callgrind-out-file=$SRV_CGDIR/callgrind.out.%p")
	fi
	taskset -c "$SRV_CPU" "${prefix[@]+"${prefix[@]}"}" lighttpd -D -f "$d/lighttpd.conf" \
	    > "$d/lighttpd.$SEQ.stdout.log" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID"
	if ! PY waitport "$SRV_PORT" 120 || ! kill -0 "$SRV_PID" 2>/dev/null; then
		log "lighttpd did not start; its log:"
		tail -20 "$SRV_LOG" "$d/lighttpd.$SEQ.stdout.log" >&2
		kill_tree "$SRV_PID" KILL 1
		return 1
	fi
	SRV_WORKER=$SRV_PID
}

# floor: answers with guad's own response bytes for /small.html, saved
# from guad in round 1 (FLOOR_KA, FLOOR_CLOSE)
start_floor() {
	local d=$TMP/floor
	SEQ=$((SEQ + 1))
	SRV_NAME=floor SRV_VG=0 SRV_LOG=$d/floor.$SEQ.log
	SRV_PORT=$(PY freeport)
	taskset -c "$SRV_CPU" "$FLOOR" "$SRV_PORT" "$d/ka.resp" "$d/close.resp" \
	    > "$SRV_LOG" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID"
	if ! PY waitport "$SRV_PORT" 30 || ! kill -0 "$SRV_PID" 2>/dev/null; then
		log "floor did not start: $(tail -3 "$SRV_LOG")"
		kill_tree "$SRV_PID" KILL 1
		return 1
	fi
	SRV_WORKER=$SRV_PID
}

stop_server() {
	local secs=10 sig=TERM
	[ "$SRV_VG" = 1 ] && secs=120
	[ "$SRV_NAME" = nginx ] && sig=QUIT
	kill_tree "$SRV_PID" "$sig" "$secs"
}

# guad_events ROUND SCEN LOGOFFSET: notes what guad's log says went wrong
guad_check_log() {
	local r=$1 what=$2 from=$3 lines
	[ "$SRV_NAME" = guad ] || return 0
	lines=$(tail -c +"$((from + 1))" "$SRV_LOG" 2>/dev/null |
	    grep -E 'killed by signal|exited with|respawn|\[(warn|error|crit|fatal)\]' | head -5)
	if [ -n "$lines" ]; then
		rec "$r" guad "log.$what" NOTE "$(echo "$lines" | tr '\n\t' '  ' | cut -c1-400)"
		log "guad log during $what: $lines"
	fi
}
logsize() { stat -c %s "$SRV_LOG" 2>/dev/null || echo 0; }

# ------------------------------------------------------------------ measurements
TCK=$(getconf CLK_TCK)
# busy CPU ticks of the whole machine (all but idle and iowait)
busy_ticks() { awk 'NR == 1 { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6; exit }' /proc/stat; }

# wait_quiet: others share this machine (tests, fuzzers). Before a timed
# run, wait up to QUIET_WAIT seconds (QUIET_BUDGET in all) for the rest of
# the machine to use less than 15% of a core; the run records what it got.
QUIET_WAIT=${QUIET_WAIT:-10}
QUIET_BUDGET=${QUIET_BUDGET:-180}
QUIET_SPENT=0
wait_quiet() {
	local a b t0=$SECONDS busy
	while :; do
		a=$(busy_ticks); sleep 0.5; b=$(busy_ticks)
		busy=$(( (b - a) * 100 * 2 / TCK ))	# % of one core
		[ "$busy" -lt 15 ] && break
		if [ $((SECONDS - t0)) -ge "$QUIET_WAIT" ] ||
		    [ $((QUIET_SPENT + SECONDS - t0)) -ge "$QUIET_BUDGET" ]; then
			log "machine still busy (${busy}% of a core used by others): measuring anyway"
			break
		fi
	done
	QUIET_SPENT=$((QUIET_SPENT + SECONDS - t0))
}

# check_paths ROUND: the server answers as expected
check_paths() {
	local r=$1 s=$SRV_NAME out
	out=$(PY fetch "$SRV_PORT" /small.html 2>&1)
	[ "$out" = "200 $(stat -c %s "$DOC/small.html")" ] || rec "$r" "$s" check.small FAIL "GET /small.html: $out"
	out=$(PY fetch "$SRV_PORT" /big.bin 2>&1)
	[ "$out" = "200 1048576" ] || rec "$r" "$s" check.big FAIL "GET /big.bin: $out"
	out=$(PY fetch "$SRV_PORT" /nope 2>&1)
	case $out in 404\ *) ;; *) rec "$r" "$s" check.404 FAIL "GET /nope: $out" ;; esac
}

# run_wrk ROUND SCEN PATH [HEADER]: WRK_C (default CONNS) connections for
# WRK_D (default DURATION) seconds
run_wrk() {
	local r=$1 scen=$2 path=$3 hdr=${4:-} s=$SRV_NAME out c0 c1 t wu ws wr req
	local d=${WRK_D:-$DURATION}
	local args=() l0 kids0 kids1 b0 b1
	out=$RAW/wrk.$s.$scen.r$r.txt
	[ -n "$hdr" ] && args=(-H "$hdr")
	if ! kill -0 "$SRV_PID" 2>/dev/null; then
		rec "$r" "$s" "$scen.rps" FAIL "server not running"
		return 1
	fi
	wait_quiet
	l0=$(logsize)
	kids0=$(pgrep -P "$SRV_PID" | sort | tr '\n' ' ')
	c0=$(PY cpu "$SRV_PID")
	b0=$(busy_ticks)
	t=$( { TIMEFORMAT='%3U %3S %3R'; time timeout -k 5 $((d + 30)) \
	    taskset -c "$WRK_CPU" wrk -t1 -c"${WRK_C:-$CONNS}" -d"${d}s" --latency \
	    "${args[@]+"${args[@]}"}" "http://127.0.0.1:$SRV_PORT$path" > "$out" 2>&1; } 2>&1 )
	b1=$(busy_ticks)
	c1=$(PY cpu "$SRV_PID")
	kids1=$(pgrep -P "$SRV_PID" | sort | tr '\n' ' ')
	read -r wu ws wr <<< "$t"
	PY wrk "$out" > "$out.kv"
	req=$(kv "$out.kv" requests)
	if [ -z "$req" ] || [ "$req" = 0 ]; then
		rec "$r" "$s" "$scen.rps" FAIL "wrk completed no requests: $(tr '\n' ' ' < "$out" | cut -c1-200)"
		guad_check_log "$r" "$scen" "$l0"
		return 1
	fi
	rec "$r" "$s" "$scen.rps" "$(kv "$out.kv" rps)"
	rec "$r" "$s" "$scen.rps_steady" "$(kv "$out.kv" rps_steady)"
	rec "$r" "$s" "$scen.p50" "$(kv "$out.kv" p50)"
	rec "$r" "$s" "$scen.p99" "$(kv "$out.kv" p99)"
	rec "$r" "$s" "$scen.mbps" "$(kv "$out.kv" mbps)"
	rec "$r" "$s" "$scen.bytes" "$(calc "$(kv "$out.kv" read_mb) * 1048576 / $req")"
	rec "$r" "$s" "$scen.cpu_us" "$(calc "($c1 - $c0) * 1000000 / $TCK / $req")"
	rec "$r" "$s" "$scen.srv_cpu" "$(calc "($c1 - $c0) / $TCK / $wr * 100")"
	rec "$r" "$s" "$scen.wrk_cpu" "$(calc "($wu + $ws) / $wr * 100")"
	# CPU the machine spent on anything but this server and wrk (other
	# processes, unattributed softirq work), in % of one core
	rec "$r" "$s" "$scen.other_cpu" "$(calc "(($b1 - $b0) - ($c1 - $c0) - ($wu + $ws) * $TCK) / $TCK / $wr * 100")"
	local se non
	se=$(kv "$out.kv" sock_err) non=$(kv "$out.kv" non2xx)
	[ "${se:-0}" != 0 ] && rec "$r" "$s" "$scen" NOTE "wrk socket errors $(kv "$out.kv" sock_err_detail) (connect/read/write/timeout) in $req requests"
	if [ "$scen" != notfound ] && [ "${non:-0}" != 0 ]; then
		rec "$r" "$s" "$scen" NOTE "$non non-2xx/3xx responses in $req"
	fi
	if [ "$kids0" != "$kids1" ]; then
		rec "$r" "$s" "$scen" NOTE "worker pid(s) changed during the run: [$kids0] -> [$kids1]"
	fi
	guad_check_log "$r" "$scen" "$l0"
	log "$s $scen: $(kv "$out.kv" rps) req/s p99 $(kv "$out.kv" p99) ms, cpu $(calc "($c1 - $c0) * 1000000 / $TCK / $req") us/req, wrk cpu $(calc "($wu + $ws) / $wr * 100")%"
}

# run_strace ROUND MODE(ka|close)
run_strace() {
	local r=$1 mode=$2 s=$SRV_NAME out sout spid req calls args=() i
	out=$RAW/strace.$s.$mode.r$r
	[ "$mode" = close ] && args=(-H 'Connection: close')
	if ! kill -0 "$SRV_WORKER" 2>/dev/null; then
		SRV_WORKER=$(pgrep -P "$SRV_PID" | head -1)
		[ "$SRV_NAME" = lighttpd ] && SRV_WORKER=$SRV_PID
	fi
	strace -c -f -p "$SRV_WORKER" -o "$out.txt" 2> "$out.stderr" &
	spid=$!
	track "$spid"
	for ((i = 0; i < 50; i++)); do
		grep -q attached "$out.stderr" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3
	timeout -k 5 $((STRACE_DURATION + 30)) taskset -c "$WRK_CPU" wrk -t1 \
	    -c"$CONNS" -d"${STRACE_DURATION}s" "${args[@]+"${args[@]}"}" \
	    "http://127.0.0.1:$SRV_PORT/small.html" > "$out.wrk" 2>&1
	sleep 0.3
	kill_tree "$spid" INT 10
	PY wrk "$out.wrk" > "$out.wrk.kv"
	PY strace "$out.txt" > "$out.kv"
	req=$(kv "$out.wrk.kv" requests) calls=$(kv "$out.kv" calls)
	if [ -z "$req" ] || [ "$req" = 0 ] || [ -z "$calls" ] || [ "$calls" = None ]; then
		rec "$r" "$s" "sys_$mode" FAIL "strace/wrk gave no numbers (requests=$req calls=$calls)"
		return 1
	fi
	rec "$r" "$s" "sys_$mode" "$(calc "$calls / $req")"
	rec "$r" "$s" "sys_$mode.top" NOTE "$(kv "$out.kv" top) over $req requests"
	log "$s strace $mode: $calls calls / $req requests = $(calc "$calls / $req")"
}

# run_idle ROUND: IDLE_N keep-alive connections, each of which sent one
# request and read the answer, held open for a second. Records in bytes
# per connection: the growth of the server processes' RSS and PSS, the
# growth of the kernel's socket slab caches (both ends, and an estimate
# of the server's end: half of what each end has one of, plus the epoll
# entries only the server has) and of TCP buffer memory.
run_idle() {
	local r=$1 s=$SRV_NAME out o
	out=$RAW/idle.$s.r$r.txt
	if ! timeout -k 5 180 taskset -c "$WRK_CPU" python3 "$BENCH/bench.py" idle \
	    "$SRV_PORT" "$IDLE_N" "$SRV_PID" /small.html > "$out" 2>&1; then
		rec "$r" "$s" idle_rss FAIL "idle helper failed: $(tail -1 "$out" | cut -c1-200)"
		return 1
	fi
	local rss0 rss1 pss0 pss1 opened alive errs sym srv tmem
	rss0=$(kv "$out" rss0) rss1=$(kv "$out" rss1)
	pss0=$(kv "$out" pss0) pss1=$(kv "$out" pss1)
	opened=$(kv "$out" opened) alive=$(kv "$out" alive) errs=$(kv "$out" errors)
	sym=$(kv "$out" slab_sym) srv=$(kv "$out" slab_srv) tmem=$(kv "$out" tcp_mem)
	rec "$r" "$s" base_rss "$rss0"
	rec "$r" "$s" base_pss "$pss0"
	if [ "${opened:-0}" -lt "$IDLE_N" ] || [ "${alive:-0}" -lt "${opened:-0}" ]; then
		rec "$r" "$s" idle_rss NOTE "only $opened of $IDLE_N connections opened, $alive still open after 1 s; errors: $errs"
	fi
	if [ "${opened:-0}" -gt 0 ]; then
		rec "$r" "$s" idle_rss "$(calc "($rss1 - $rss0) * 1024 / $opened")"
		rec "$r" "$s" idle_pss "$(calc "($pss1 - $pss0) * 1024 / $opened")"
		if [ -n "${SLOT[$s]:-}" ]; then
			rec "$r" "$s" idle_user "$(calc "($rss1 - $rss0) * 1024 / $opened + ${SLOT[$s]}")"
		fi
		rec "$r" "$s" idle_tcpmem "$(calc "$tmem / $opened")"
		if [ -n "$sym" ]; then
			rec "$r" "$s" idle_kboth "$(calc "($sym + $srv) / $opened")"
			rec "$r" "$s" idle_ksrv "$(calc "($sym / 2 + $srv) / $opened")"
			rec "$r" "$s" idle_kslab NOTE "slab growth over $opened connections (bytes, whole machine): $(kv "$out" slab_top)"
		fi
	else
		rec "$r" "$s" idle_rss FAIL "no connection opened: $errs"
	fi
	log "$s idle: $opened conns (alive $alive): RSS $rss0 -> $rss1 KiB, PSS $pss0 -> $pss1 KiB, socket slabs +${sym:-?} (both ends) +${srv:-?} (epoll) B"
}

# run_slots SERVER: user-space memory a server reserves per connection
# slot, used or not: its processes' RSS (after 20 requests) with a
# connection limit of 1024 and of CONN_LIMIT, the difference divided by
# the difference in slots. Sets SLOT[SERVER] (bytes).
declare -A SLOT=()
mem_after_warmup() {
	python3 "$BENCH/bench.py" client "$SRV_PORT" /small.html 20 ka 1 > /dev/null 2>&1
	sleep 0.5
	PY mem "$SRV_PID"
}
run_slots() {
	local s=$1 lo=1024 m_lo m_hi rlo plo rhi phi
	[ "$CONN_LIMIT" -gt $((lo + 256)) ] || { rec 1 "$s" slot NOTE "CONN_LIMIT too small to measure slots"; return 1; }
	SRV_LIMIT=$lo
	if ! "start_$s" 0; then SRV_LIMIT=; rec 1 "$s" slot FAIL "did not start"; return 1; fi
	m_lo=$(mem_after_warmup)
	stop_server
	SRV_LIMIT=$CONN_LIMIT
	if ! "start_$s" 0; then SRV_LIMIT=; rec 1 "$s" slot FAIL "did not start"; return 1; fi
	m_hi=$(mem_after_warmup)
	stop_server
	SRV_LIMIT=
	read -r rlo plo _ <<< "$m_lo"
	read -r rhi phi _ <<< "$m_hi"
	SLOT[$s]=$(calc "($rhi - $rlo) * 1024 / ($CONN_LIMIT - $lo)")
	rec 1 "$s" slot_rss "${SLOT[$s]}"
	rec 1 "$s" slot_pss "$(calc "($phi - $plo) * 1024 / ($CONN_LIMIT - $lo)")"
	log "$s slots: RSS $rlo KiB with $lo, $rhi KiB with $CONN_LIMIT: ${SLOT[$s]} B per slot"
}

# run_callgrind SERVER
run_callgrind() {
	local s=$1 mode ir base= n out file wpid l0 fb
	for mode in base ka close; do
		if ! "start_$s" 1; then
			rec 1 "$s" "ir_$mode" FAIL "did not start under valgrind"
			continue
		fi
		wpid=$SRV_WORKER
		l0=$(logsize)
		# CG_WARM requests first in every mode, the baseline included,
		# so that one-time costs (guad's first libmagic sniff, about
		# 1.8 M instructions) fall on both sides of the subtraction
		taskset -c "$WRK_CPU" python3 "$BENCH/bench.py" client "$SRV_PORT" \
		    /small.html "$CG_WARM" ka 4 > /dev/null 2>&1
		if [ "$mode" != base ]; then
			out=$RAW/callgrind.$s.$mode.client.txt
			if ! timeout -k 5 900 taskset -c "$WRK_CPU" python3 "$BENCH/bench.py" \
			    client "$SRV_PORT" /small.html "$CG_N" "$mode" 4 > "$out" 2>&1; then
				rec 1 "$s" "ir_$mode" FAIL "client: $(tail -1 "$out" | cut -c1-200)"
			fi
		fi
		guad_check_log 1 "callgrind-$mode" "$l0"
		stop_server
		file=$SRV_CGDIR/callgrind.out.$wpid
		if [ ! -s "$file" ]; then
			rec 1 "$s" "ir_$mode" FAIL "no callgrind output for pid $wpid ($(ls "$SRV_CGDIR" | tr '\n' ' '))"
			continue
		fi
		cp "$file" "$RAW/callgrind.$s.$mode.out"
		ir=$(PY callgrind "$file")
		log "$s callgrind $mode: Ir $ir"
		if [ "$mode" = base ]; then base=$ir; continue; fi
		if [ -z "$base" ] || [ -z "$ir" ]; then
			rec 1 "$s" "ir_$mode" FAIL "missing baseline or total"
			continue
		fi
		grep -q '^ok=' "$out" && [ "$(sed -n 's/^ok=\([0-9]*\).*/\1/p' "$out")" = "$CG_N" ] ||
		    rec 1 "$s" "ir_$mode" NOTE "client: $(tail -1 "$out")"
		rec 1 "$s" "ir_$mode" "$(calc "($ir - $base) / $CG_N")"
		PY cgtop "$file" "$RAW/callgrind.$s.base.out" "$CG_N" > "$RAW/callgrind.$s.$mode.top" 2>&1
		rec 1 "$s" "ir_$mode.top" NOTE "per request, inclusive: $(kv "$RAW/callgrind.$s.$mode.top" top)"
		if [ "$s" = guad ]; then
			# valgrind 3.19 does not know openat2 (ENOSYS), so guad takes
			# its fallback (openat + two readlink of /proc/self/fd),
			# which it never does on this kernel outside valgrind
			fb=$(kv "$RAW/callgrind.$s.$mode.top" below)
			rec 1 "$s" "ir_${mode}_adj" "$(calc "($ir - $base) / $CG_N - ${fb:-0}")"
		fi
	done
}

# cg_guad TAG KEY=PATH...: guad as configured now (GUAD_DB, GUAD_ROUTES)
# under callgrind. For each PATH, two runs: CG_WARM requests (the
# baseline: start-up, first-request work such as opening the file or the
# database, shutdown), and CG_WARM then CG_N requests, keep-alive over 4
# connections. Records KEY as the Ir per request of the difference, and
# KEY_adj without the valgrind-only openat2 fallback (see run_callgrind).
CG_WARM=${CG_WARM:-20}
cg_guad_once() {	# cg_guad_once TAG PATH N: sets CG_IR and CG_FILE
	local tag=$1 path=$2 n=$3 out wpid l0
	CG_IR= CG_FILE=
	start_guad 1 || return 1
	wpid=$SRV_WORKER l0=$(logsize)
	out=$RAW/callgrind.guad.$tag.client.txt
	timeout -k 5 900 taskset -c "$WRK_CPU" python3 "$BENCH/bench.py" \
	    client "$SRV_PORT" "$path" "$CG_WARM" ka 4 > "$out" 2>&1
	if [ "$n" -gt 0 ]; then
		timeout -k 5 900 taskset -c "$WRK_CPU" python3 "$BENCH/bench.py" \
		    client "$SRV_PORT" "$path" "$n" ka 4 >> "$out" 2>&1
	fi
	guad_check_log 1 "callgrind-$tag" "$l0"
	stop_server
	[ "$(grep -c "^ok=[0-9]* bad=0" "$out")" = "$([ "$n" -gt 0 ] && echo 2 || echo 1)" ] ||
	    rec 1 guad "cg.$tag" NOTE "client: $(tr '\n' ' ' < "$out" | cut -c1-200)"
	[ -s "$SRV_CGDIR/callgrind.out.$wpid" ] || return 1
	CG_FILE=$RAW/callgrind.guad.$tag.out
	cp "$SRV_CGDIR/callgrind.out.$wpid" "$CG_FILE"
	CG_IR=$(PY callgrind "$CG_FILE")
	[ -n "$CG_IR" ]
}
cg_guad() {
	local tag=$1 pair key path base bfile fb
	shift
	for pair in "$@"; do
		key=${pair%%=*} path=${pair#*=}
		if ! cg_guad_once "$tag.$key.base" "$path" 0; then
			rec 1 guad "$key" FAIL "baseline run under valgrind failed ($tag $path)"
			continue
		fi
		base=$CG_IR bfile=$CG_FILE
		if ! cg_guad_once "$tag.$key" "$path" "$CG_N"; then
			rec 1 guad "$key" FAIL "run under valgrind failed ($tag $path)"
			continue
		fi
		rec 1 guad "$key" "$(calc "($CG_IR - $base) / $CG_N")"
		PY cgtop "$CG_FILE" "$bfile" "$CG_N" > "$RAW/callgrind.guad.$tag.$key.top" 2>&1
		fb=$(kv "$RAW/callgrind.guad.$tag.$key.top" below)
		rec 1 guad "${key}_adj" "$(calc "($CG_IR - $base) / $CG_N - ${fb:-0}")"
		rec 1 guad "$key.top" NOTE "$tag $path, per request, inclusive: $(kv "$RAW/callgrind.guad.$tag.$key.top" top)"
		log "guad callgrind $tag $path: $(calc "($CG_IR - $base) / $CG_N") Ir per request"
	done
}

# The [routes] of the route-scaling runs: the middle file route alone, the
# middle dir route alone, or all ROUTES_N routes.
RT_FILE= RT_DIR=
routes_setup() {
	local f=$TMP/guad/routes
	PY routes "$ROUTES_N" file > "$f.file"
	PY routes "$ROUTES_N" dir > "$f.dir"
	PY routes "$ROUTES_N" all > "$f.all"
	RT_FILE=$(sed 's/ = .*//' "$f.file")
	RT_DIR=$(sed 's/ = .*//' "$f.dir")small.html
	log "route scaling: $RT_FILE (file route) and $RT_DIR (dir route), 1 route against $(wc -l < "$f.all")"
}

# run_routes ROUND: req/s of the file and the dir route's path, with the
# one route and with all ROUTES_N
run_routes() {
	local r=$1 cfg o f=$TMP/guad/routes n
	for cfg in file dir all; do
		n=1
		[ "$cfg" = all ] && n=n
		GUAD_ROUTES=$(cat "$f.$cfg")
		if ! start_guad 0; then
			GUAD_ROUTES=
			rec "$r" guad "rt_$cfg" FAIL "did not start with routes.$cfg"
			continue
		fi
		GUAD_ROUTES=
		if [ "$cfg" != dir ]; then
			o=$(PY fetch "$SRV_PORT" "$RT_FILE" 2>&1)
			[ "$o" = "200 $(stat -c %s "$DOC/small.html")" ] || rec "$r" guad rt_check FAIL "GET $RT_FILE ($cfg): $o"
			run_wrk "$r" "rt_${n}_file" "$RT_FILE"
		fi
		if [ "$cfg" != file ]; then
			o=$(PY fetch "$SRV_PORT" "$RT_DIR" 2>&1)
			[ "$o" = "200 $(stat -c %s "$DOC/small.html")" ] || rec "$r" guad rt_check FAIL "GET $RT_DIR ($cfg): $o"
			run_wrk "$r" "rt_${n}_dir" "$RT_DIR"
		fi
		stop_server
	done
}

# msgbig_setup: guad creates the second database and its schema, then
# python3 adds MSG_BIG messages to it in one transaction
MSGBIG_READY=0
msgbig_setup() {
	local n t0=$SECONDS
	GUAD_DB=$TMP/guad/msgbig.db
	if ! start_guad 0; then
		GUAD_DB=
		rec 1 guad msgbig.rps FAIL "guad did not start to create $TMP/guad/msgbig.db"
		return 1
	fi
	stop_server
	GUAD_DB=
	n=$(PY fillmsg "$TMP/guad/msgbig.db" "$MSG_BIG" 2>&1 | tail -1)
	if [ "$n" != "$MSG_BIG" ]; then
		rec 1 guad msgbig.rps FAIL "filling the database: $n"
		return 1
	fi
	MSGBIG_READY=1
	log "msgbig: $n messages in $((SECONDS - t0)) s, $(du -h "$TMP/guad/msgbig.db" | cut -f1)"
}

# run_msgbig ROUND: GET /msg from guad with the MSG_BIG database
run_msgbig() {
	local r=$1 o
	GUAD_DB=$TMP/guad/msgbig.db
	if ! start_guad 0; then
		GUAD_DB=
		rec "$r" guad msgbig.rps FAIL "did not start with $MSG_BIG messages"
		return 1
	fi
	GUAD_DB=
	o=$(PY fetch "$SRV_PORT" /msg "$RAW/msgbig.html" 2>&1)
	case $o in
	200\ *) [ "$r" = 1 ] && rec "$r" guad msgbig NOTE "GET /msg with $MSG_BIG messages: ${o#200 } bytes with $(grep -o '<li>' "$RAW/msgbig.html" | wc -l) <li> items"
		run_wrk "$r" msgbig /msg ;;
	*) rec "$r" guad msgbig.rps FAIL "GET /msg: $o" ;;
	esac
	stop_server
}

# ------------------------------------------------------------------ main
install_deps
mkdir -p "$BUILD"
rm -rf "$RAW"
mkdir -p "$RAW"
build_guad
build_floor

TMP=$(mktemp -d /tmp/guad-bench.XXXXXX) || die "mktemp"
chmod 755 "$TMP"
mkdir -p "$TMP/guad" "$TMP/nginx" "$TMP/lighttpd" "$TMP/cg" "$TMP/floor"
DOC=$TMP/www
mkdir -p "$DOC"
cp -r "$REPO/www/." "$DOC/"
cp "$REPO/www/index.html" "$DOC/small.html"
head -c 1048576 /dev/urandom > "$DOC/big.bin"
chmod -R a+rX "$DOC"
TSV=$RAW/results.tsv
: > "$TSV"

# descriptors: CONN_LIMIT connections for the servers (nginx and lighttpd
# raise their own limit from their configuration when they can), the
# CONNS_HIGH or IDLE_N client ends for wrk and the idle helper, plus slack
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 65536 ]; then ulimit -n 65536
else ulimit -n "$hard"; fi
[ "$(ulimit -n)" -ge $((IDLE_N + 200)) ] || log "warning: ulimit -n is $(ulimit -n), below IDLE_N+200"
if [ "$(ulimit -n)" -lt $((CONN_LIMIT + 64)) ]; then
	log "warning: ulimit -n is $(ulimit -n), below CONN_LIMIT+64: guad may refuse connections (EMFILE)"
fi
if [ "$SKIP_CONC" != 1 ] && [ "$(ulimit -n)" -lt $((CONNS_HIGH + 64)) ]; then
	log "ulimit -n is $(ulimit -n): CONNS_HIGH lowered from $CONNS_HIGH to $(( $(ulimit -n) - 64 ))"
	CONNS_HIGH=$(( $(ulimit -n) - 64 ))
fi

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
STAT_START=$(head -1 /proc/stat)
log "rounds=$ROUNDS duration=${DURATION}s conns=$CONNS (and $CONNS_HIGH); connection limit $CONN_LIMIT; guad $GUAD; docroot $DOC"

HAVE_GUAD=0
for s in "${SERVERS[@]}"; do [ "$s" = guad ] && HAVE_GUAD=1; done
if [ "$SKIP_SLOTS" != 1 ]; then
	for s in "${SERVERS[@]}"; do run_slots "$s"; done
fi
[ "$HAVE_GUAD" = 1 ] && [ "$SKIP_ROUTES" != 1 ] && routes_setup
[ "$HAVE_GUAD" = 1 ] && [ "$SKIP_MSGBIG" != 1 ] && msgbig_setup

MSG_READY=0 FLOOR_READY=0
for ((r = 1; r <= ROUNDS; r++)); do
	for s in "${SERVERS[@]}"; do
		log "round $r/$ROUNDS: $s"
		if ! "start_$s" 0; then
			rec "$r" "$s" start FAIL "did not start"
			continue
		fi
		check_paths "$r"
		if [ "$s" = guad ] && [ "$FLOOR_READY" = 0 ] && [ "$SKIP_FLOOR" != 1 ] &&
		    PY rawresp "$SRV_PORT" /small.html "$TMP/floor/ka.resp" ka > /dev/null &&
		    PY rawresp "$SRV_PORT" /small.html "$TMP/floor/close.resp" close > /dev/null; then
			FLOOR_READY=1
		fi
		run_idle "$r"
		run_wrk "$r" small_ka /small.html
		[ "$SKIP_CONC" != 1 ] && WRK_C=$CONNS_HIGH WRK_D=$CONC_DURATION run_wrk "$r" ka_high /small.html
		run_wrk "$r" small_close /small.html 'Connection: close'
		run_wrk "$r" big /big.bin
		run_wrk "$r" notfound /nope
		if [ "$s" = guad ]; then
			if [ "$MSG_READY" = 0 ]; then
				n=$(PY post "$SRV_PORT" 100 2>&1)
				[ "$n" = 100 ] || rec "$r" guad msg NOTE "posting 100 messages: $n got 303"
				o=$(PY fetch "$SRV_PORT" /msg "$DOC/msgpage.html" 2>&1)
				case $o in
				200\ *) MSG_READY=1
					rec "$r" guad msg NOTE "GET /msg body is ${o#200 } bytes with $(grep -o '<li>' "$DOC/msgpage.html" | wc -l) <li> items; the same bytes are served as the static /msgpage.html" ;;
				*) rec "$r" guad msg.rps FAIL "GET /msg: $o" ;;
				esac
			fi
			if [ "$MSG_READY" = 1 ]; then
				run_wrk "$r" msg /msg
				run_wrk "$r" msgstatic /msgpage.html
			fi
		fi
		if [ "$SKIP_STRACE" != 1 ]; then
			run_strace "$r" ka
			run_strace "$r" close
		fi
		stop_server
		if [ "$s" = guad ]; then
			[ "$MSGBIG_READY" = 1 ] && run_msgbig "$r"
			[ -n "$RT_FILE" ] && run_routes "$r"
		fi
	done
	if [ "$FLOOR_READY" = 1 ]; then
		log "round $r/$ROUNDS: floor"
		if start_floor; then
			run_wrk "$r" small_ka /small.html
			[ "$SKIP_CONC" != 1 ] && WRK_C=$CONNS_HIGH WRK_D=$CONC_DURATION run_wrk "$r" ka_high /small.html
			run_wrk "$r" small_close /small.html 'Connection: close'
			if [ "$SKIP_STRACE" != 1 ]; then
				run_strace "$r" ka
				run_strace "$r" close
			fi
			stop_server
		else
			rec "$r" floor start FAIL "did not start"
		fi
	fi
done

if [ "$SKIP_CALLGRIND" != 1 ]; then
	for s in "${SERVERS[@]}"; do
		log "callgrind: $s ($CG_N requests keep-alive, $CG_N close)"
		run_callgrind "$s"
	done
	if [ "$HAVE_GUAD" = 1 ] && [ -n "$RT_FILE" ]; then
		log "callgrind: guad with 1 route and with $ROUTES_N"
		GUAD_ROUTES=$(cat "$TMP/guad/routes.file") cg_guad rt1f "ir_rt1_file=$RT_FILE"
		GUAD_ROUTES=$(cat "$TMP/guad/routes.dir") cg_guad rt1d "ir_rt1_dir=$RT_DIR"
		GUAD_ROUTES=$(cat "$TMP/guad/routes.all") cg_guad rtn "ir_rtn_file=$RT_FILE" "ir_rtn_dir=$RT_DIR"
	fi
	if [ "$HAVE_GUAD" = 1 ] && [ "$MSG_READY" = 1 ] && [ "$MSGBIG_READY" = 1 ]; then
		log "callgrind: guad GET /msg with 100 and with $MSG_BIG messages"
		cg_guad msg ir_msg=/msg
		GUAD_DB=$TMP/guad/msgbig.db cg_guad msgbig ir_msgbig=/msg
	fi
fi

# everything guad logged that looks like trouble, over the whole run
cat "$TMP"/guad/guad.*.log > "$RAW/guad-all.log" 2>/dev/null
bad=$(grep -cE 'killed by signal|exited with|respawn|\[(warn|error|crit|fatal)\]' "$RAW/guad-all.log")
[ "${bad:-0}" -gt 0 ] && rec 0 guad log NOTE "$bad warning/error lines in guad's logs over the run, e.g.: $(grep -E 'killed by signal|exited with|respawn|\[(warn|error|crit|fatal)\]' "$RAW/guad-all.log" | sort | uniq -c | sort -rn | head -3 | tr '\n\t' '  ' | cut -c1-500)"

# ------------------------------------------------------------------ report
META=$RAW/meta.txt
{
	echo "Date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "Machine: nproc $(nproc), CPU $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
	echo "Packages: $(dpkg-query -W -f='${Package} ${Version}, ' nginx lighttpd wrk valgrind strace 2>/dev/null | sed 's/, $//')"
	rev=$(git -C "$REPO" --no-optional-locks rev-parse --short HEAD 2>/dev/null || echo unknown)
	dirty=$(git -C "$REPO" --no-optional-locks status --porcelain --untracked-files=no -- src Makefile.am configure.ac 2>/dev/null | wc -l)
	if [ "$GUAD_SOURCE" = "working tree" ]; then
		echo "guad: the working tree at commit $rev$([ "$dirty" -gt 0 ] && echo " + uncommitted changes in $dirty file(s) of src/, Makefile.am, configure.ac"), built with CFLAGS=-O2 by $(gcc --version | head -1)"
	else
		echo "guad: $GUAD_SOURCE, commit $rev, built with CFLAGS=-O2 by $(gcc --version | head -1)"
	fi
	echo "Parameters: ROUNDS=$ROUNDS DURATION=${DURATION}s CONNS=$CONNS CONNS_HIGH=$CONNS_HIGH for CONC_DURATION=${CONC_DURATION}s (wrk -t1), CONN_LIMIT=$CONN_LIMIT (every server's connection limit), listen backlog $BACKLOG, STRACE_DURATION=${STRACE_DURATION}s, CG_N=$CG_N, CG_WARM=$CG_WARM, IDLE_N=$IDLE_N, ROUTES_N=$ROUTES_N, MSG_BIG=$MSG_BIG; server on CPU $SRV_CPU, wrk on CPU $WRK_CPU"
	skipped=
	for v in SKIP_CALLGRIND SKIP_STRACE SKIP_CONC SKIP_ROUTES SKIP_MSGBIG SKIP_SLOTS SKIP_FLOOR; do
		[ "${!v}" = 1 ] && skipped="$skipped $v=1"
	done
	[ -n "$skipped" ] && echo "Skipped:$skipped"
	echo "Load average (1/5/15 min) at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	steal=$(printf '%s\n%s\n' "$STAT_START" "$(head -1 /proc/stat)" | awk '
	    { t = 0; for (i = 2; i <= NF; i++) t += $i; tot[NR] = t; st[NR] = $9; idle[NR] = $5 + $6 }
	    END { d = tot[2] - tot[1]; if (d > 0) printf "%.1f%% steal, %.1f%% idle", (st[2] - st[1]) * 100 / d, (idle[2] - idle[1]) * 100 / d }')
	echo "CPU time of the whole machine over the measurements: $steal"
	echo "Waited for other processes to calm down: ${QUIET_SPENT} s in all (QUIET_WAIT=${QUIET_WAIT}s per run, QUIET_BUDGET=${QUIET_BUDGET}s)"
	echo "Wall time of the run: $(( $(date +%s) - T_START )) s"
} > "$META"
CONNS=$CONNS CONNS_HIGH=$CONNS_HIGH ROUTES_N=$ROUTES_N MSG_BIG=$MSG_BIG CONN_LIMIT=$CONN_LIMIT \
    IDLE_N=$IDLE_N PY report "$TSV" "$META" "$BENCH/RESULTS.md"
log "table written to $BENCH/RESULTS.md; raw outputs in $RAW"
