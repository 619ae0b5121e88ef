#!/usr/bin/env bash
# `make fuzz`: the long fuzzing session (CI runs the same suites bounded, inside `make test`):
#  1. the property tests of every parser (tests/tests/foundation/proptest_parsers.rs) in a release build with FUZZ_CASES
#     cases per property (default 20000; `make test` uses 25000 in a debug build);
#  2. schemathesis over openapi.yaml (scripts/api-fuzz.sh) with FUZZ_EXAMPLES examples per operation (default 1000),
#     against the running local stack, or a stack started and stopped here when none runs.
# cargo-fuzz needs a nightly toolchain (-Zsanitizer); with stable only, the property tests are the fuzzer.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

cases=${FUZZ_CASES:-20000}
examples=${FUZZ_EXAMPLES:-1000}

log "property tests: $cases cases per property (release build)"
started=$SECONDS
PROPTEST_CASES=$cases cargo test --release -p omics-introspect-tests --test foundation proptest_parsers
log "property tests done in $((SECONDS - started)) s"

started_stack=false
if ! answers "$MOTO_URL/moto-api/" || ! answers "$EMULATOR_URL/_emulator/health" || [[ ! -f $STACK_ENV ]]; then
  bash "$ROOT/scripts/stack-up.sh"
  started_stack=true
fi
trap 'if $started_stack; then bash "$ROOT/scripts/stack-down.sh"; fi' EXIT
log "schemathesis: $examples examples per operation"
started=$SECONDS
bash "$ROOT/scripts/api-fuzz.sh" "$examples"
log "schemathesis done in $((SECONDS - started)) s"
