#!/bin/sh
# "make fuzz": runs the libFuzzer build of one harness, from the top of the
# build tree.
#
#	run-fuzz.sh NAME TOP_SRCDIR SECONDS [LIBFUZZER_FLAG...]
#
# tests/fuzz/fuzz_NAME runs for SECONDS on a fresh copy, in
# tests/fuzz/work/NAME/corpus, of the committed seeds (corpus/NAME) and
# regression inputs (crashes/NAME); what it finds goes there and never
# into the source tree, which may be read-only. It runs in libFuzzer's
# fork mode and goes on after a crash, so that one bug does not hide the
# next: every input that
# crashes, leaks, hangs or runs out of memory lands in
# tests/fuzz/work/NAME/artifacts/. Prints a summary, then what each kind
# of artifact breaks; exits 1 if there is any, 2 if the fuzzer could not
# run.
# SPDX-License-Identifier: ISC
set -u
name=$1
srcdir=$2
secs=$3
shift 3

fuzzer=tests/fuzz/fuzz_$name
work=tests/fuzz/work/$name
log=$work/fuzz.log

# Per harness: the largest input worth trying.
case $name in
chunked)	max_len=12288 ;;	# past CHUNK_META_MAX (4096)
conf)		max_len=8192 ;;		# conf/gua.ini is about 5 kB
uri)		max_len=1024 ;;
*)		max_len=4096 ;;
esac
dict=
[ -f "$srcdir/tests/fuzz/$name.dict" ] && dict=-dict=$srcdir/tests/fuzz/$name.dict

if [ ! -x "$fuzzer" ]; then
	echo "run-fuzz.sh: no $fuzzer: configure CC=clang --enable-fuzzing" >&2
	exit 2
fi
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts" || exit 2
for d in corpus crashes; do
	for f in "$srcdir/tests/fuzz/$d/$name"/*; do
		b=${f##*/}
		case $b in README*|.*) continue ;; esac
		[ -f "$f" ] || continue
		cp "$f" "$work/corpus/$d-$b" && chmod u+w "$work/corpus/$d-$b" ||
		    exit 2
	done
done
nseeds=$(ls "$work/corpus" | wc -l)

# Stack traces from UBSan too, and stop at its first report.
: "${UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1}"
export UBSAN_OPTIONS

echo "fuzz_$name: $secs s from $nseeds seeds (log: $log)"
start=$(date +%s)
"$fuzzer" -fork=1 -ignore_crashes=1 -max_total_time="$secs" \
    -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 ${dict:+"$dict"} \
    -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" >"$log" 2>&1
rc=$?
elapsed=$(($(date +%s) - start))

# libFuzzer's last status line: "#RUNS: cov: C ft: F corp: N ...".
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
field() { printf '%s\n' "$last" | sed -n "s/.*$1 \\([0-9]*\\).*/\\1/p"; }
runs=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
found=$(ls "$work/artifacts" | wc -l)
printf 'fuzz_%s: %s runs in %s s (%s exec/s), cov %s, ft %s, ' \
    "$name" "${runs:-0}" "$elapsed" "$((${runs:-0} / (elapsed > 0 ? elapsed : 1)))" \
    "$(field cov:)" "$(field ft:)"
printf 'corpus %s -> %s, %s artifact(s)\n' "$nseeds" "$(field corp:)" "$found"

if [ "$found" -gt 0 ]; then
	# Each artifact run once more, grouped by what it breaks: the first
	# report line (addresses blurred) and the first frame in guad or in
	# the harness.
	for a in "$work/artifacts"/*; do
		out=$("$fuzzer" "$a" 2>&1)
		why=$(printf '%s\n' "$out" | grep -E -m 1 \
		    'invariant broken|ERROR: [A-Za-z]+Sanitizer|runtime error|^fuzz_[a-z]+: ' |
		    sed 's/^==[0-9]*== *//; s/0x[0-9a-f]*/ADDR/g')
		where=$(printf '%s\n' "$out" | grep -E -m 1 \
		    '#[0-9]+ 0x[0-9a-f]+ in [A-Za-z_0-9]+ .*/(src|tests/fuzz)/[a-z_0-9]+\.c' |
		    sed 's/.* in \([A-Za-z_0-9]*\) .*\/\([a-z_0-9]*\.c\):.*/\1 (\2)/')
		printf '%s%s\t%s\n' "${why:-exit status $?}" \
		    "${where:+ at $where}" "$a"
	done | sort | awk -F '\t' '
		$1 != last { if (n) printf "  %d x %s\n     e.g. %s\n", n, last, eg
			last = $1; n = 0; eg = $2 }
		{ n++ }
		END { if (n) printf "  %d x %s\n     e.g. %s\n", n, last, eg }'
	exit 1
fi
if [ "$rc" -ne 0 ]; then
	echo "fuzz_$name: libFuzzer exited with status $rc:" >&2
	tail -n 20 "$log" >&2
	exit 2
fi
exit 0
