#!/bin/sh
# Runs every test:
#   build/       make check (unit, integration, browser, fuzz replays)
#                with the soak test running SOAK_SECONDS (default 180),
#                then make lint (cppcheck, clang-tidy, clang-format)
#                and make distcheck (with the short soak);
#   build-asan/  make check again under AddressSanitizer and
#                UndefinedBehaviorSanitizer (leak detection on), with
#                the short soak;
#   build-fuzz/  each libFuzzer harness for FUZZ_SECONDS (default 60)
#                from the committed corpus, under ASan and UBSan.
# SPDX-License-Identifier: ISC
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-60}
soak_seconds=${SOAK_SECONDS:-180}
unset GUADTEST_SOAK_SECONDS	# only build/ soaks long

autoreconf -fi

echo "== build/: make check"
mkdir -p build
(cd build && ../configure --enable-werror &&
    GUADTEST_SOAK_SECONDS="$soak_seconds" make -j"$jobs" check)

echo "== build/: make lint"
(cd build && make lint)

echo "== build/: make distcheck"
(cd build && make -j"$jobs" distcheck)

echo "== build-asan/: make check under ASan + UBSan"
mkdir -p build-asan
(cd build-asan && ../configure CC=clang --enable-asan --enable-werror &&
    ASAN_OPTIONS=detect_leaks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    make -j"$jobs" check)

echo "== build-fuzz/: every fuzzer for ${fuzz_seconds} s"
mkdir -p build-fuzz
(cd build-fuzz && ../configure CC=clang --enable-fuzzing --enable-asan &&
    make -j"$jobs" && make fuzz FUZZ_SECONDS="$fuzz_seconds")
