#!/usr/bin/env bash
# `make lint`: cargo fmt --check, clippy -D warnings, then the template: cfn-lint and `sam validate --lint`
# (both offline; tools from ./.venv-deploy). Runs every check and fails if any failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy-env.sh"
cd "$ROOT"
CARGO="${CARGO:-cargo}"

failed=()
check() {
  local name=$1
  shift
  log "$name: $*"
  if ! "$@"; then
    failed+=("$name")
  fi
}

check fmt "$CARGO" fmt --all -- --check
check clippy "$CARGO" clippy --workspace --all-targets -- -D warnings
if use_deploy_venv; then
  check cfn-lint cfn-lint -- "$TEMPLATE"
  # --region only so that no AWS configuration is looked up; --lint validates offline.
  check sam-validate sam validate --lint --template-file "$TEMPLATE" --region us-east-1
else
  failed+=("deploy venv (scripts/venv-deploy.sh)")
fi

if ((${#failed[@]})); then
  log "failed: ${failed[*]}" >&2
  exit 1
fi
log "clean"
