#!/bin/sh
# Runs every test: the normal build's "make check" in build/, then the same
# suite under AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

autoreconf -fi

echo "== build/: make check"
mkdir -p build
(cd build && ../configure --enable-werror && make -j"$jobs" check)

echo "== build-asan/: make check under ASan + UBSan"
mkdir -p build-asan
(cd build-asan && ../configure CC=clang --enable-asan --enable-werror &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    make -j"$jobs" check)
