#!/usr/bin/env bash
# Sanitizer builds of tandem (issue 7; docs/reliability.md). CUDA off: the sanitizers cannot see
# into device code, and CI has no GPU.
#
#   scripts/sanitize.sh address   ASan + UBSan + LeakSanitizer; the whole test suite (build-asan/)
#   scripts/sanitize.sh thread    ThreadSanitizer; the thread pool's, the runtime's and the API's concurrency tests
#                                 (build-tsan/)
# Any report fails the run: UBSan does not recover, ASan and LSan abort on the first error.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-address}
JOBS=$(nproc)
case "$MODE" in
  address)
    BUILD=${TANDEM_ASAN_BUILD_DIR:-build-asan}
    cmake -S . -B "$BUILD" -G Ninja -DTANDEM_CUDA=OFF -DTANDEM_SANITIZE=address \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
    cmake --build "$BUILD" --parallel "$JOBS"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    cd "$BUILD"
    # The install test builds a consumer project with the plain compiler flags: not meaningful here.
    ctest --output-on-failure --parallel "$JOBS" --timeout 1800 -E '^install\.'
    ;;
  thread)
    BUILD=${TANDEM_TSAN_BUILD_DIR:-build-tsan}
    cmake -S . -B "$BUILD" -G Ninja -DTANDEM_CUDA=OFF -DTANDEM_SANITIZE=thread \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
    cmake --build "$BUILD" --parallel "$JOBS" --target tandem_runtime_tests tandem_api_tests tandem_thread_pool_tests
    # No suppressions: the tests run clean as they are.
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
    cd "$BUILD"
    # TSan's fixed shadow layout breaks on kernels with high mmap randomisation; without ASLR it
    # always fits (setarch -R is inherited by every test process).
    NO_ASLR=()
    if setarch "$(uname -m)" -R true 2>/dev/null; then NO_ASLR=(setarch "$(uname -m)" -R); fi
    "${NO_ASLR[@]}" ctest --output-on-failure --parallel "$JOBS" --timeout 1800 -L '^(runtime|api|thread_pool)$'
    ;;
  *)
    echo "usage: scripts/sanitize.sh address|thread" >&2
    exit 2
    ;;
esac
