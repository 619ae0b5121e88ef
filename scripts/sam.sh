#!/usr/bin/env bash
# `make sam-build` and `make deploy`: AWS SAM with the tools of ./.venv-deploy (cargo-lambda on PATH, no Docker).
#   sam.sh build [sam build options]    builds every function (rust-cargolambda) into .aws-sam/build
#   sam.sh deploy [sam deploy options]  sam build, then `sam deploy --guided` (interactive; needs AWS credentials)
# samconfig.toml holds the defaults (stack name, capabilities, confirm changeset); --guided saves your answers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy-env.sh"
cd "$ROOT"

command=${1:-}
shift || true
use_deploy_venv
case "$command" in
  build)
    started=$SECONDS
    sam build --template-file "$TEMPLATE" "$@"
    log "sam build done in $((SECONDS - started)) s (.aws-sam/build)"
    ;;
  deploy)
    if [[ ! -t 0 ]]; then
      log "sam deploy --guided is interactive: run it from a terminal (or call sam deploy yourself with" \
        "--no-confirm-changeset and --parameter-overrides)" >&2
      exit 2
    fi
    sam build --template-file "$TEMPLATE"
    sam deploy --guided "$@"
    ;;
  *)
    echo "usage: $0 build|deploy [sam options]" >&2
    exit 2
    ;;
esac
