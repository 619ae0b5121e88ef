#!/usr/bin/env bash
# Creates ./.venv-deploy and installs tests/python/requirements-deploy.txt (aws-sam-cli, cfn-lint, cargo-lambda,
# ziglang) for `make build`, `make lint`, `make sam-build` and `make deploy`. Does nothing when the requirements
# (and the Python version) are unchanged since the last install. Kept apart from ./.venv (the test stack) because
# aws-sam-cli pins boto3/botocore/pydantic versions that differ from the test stack's, and `make test` needs none
# of it. Prints nothing but errors unless it installs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy-env.sh"

requirements="$ROOT/tests/python/requirements-deploy.txt"
stamp="$DEPLOY_VENV_DIR/.requirements.sha256"
want=$({ sha256sum <"$requirements"; python3 --version 2>&1; } | sha256sum | cut -d' ' -f1)

if [[ -x $DEPLOY_VENV_DIR/bin/python && -f $stamp && "$(<"$stamp")" == "$want" ]]; then
  exit 0
fi
if [[ ! -x $DEPLOY_VENV_DIR/bin/python ]]; then
  log "creating $DEPLOY_VENV_DIR"
  if ! python3 -m venv "$DEPLOY_VENV_DIR"; then
    rm -rf "$DEPLOY_VENV_DIR"
    log "python3 -m venv failed: install python3-venv (apt-get install -y python3-venv)" >&2
    exit 1
  fi
fi
log "installing $(grep -cvE '^\s*(#|$)' "$requirements") pinned tools (about a minute)"
"$DEPLOY_VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$want" >"$stamp"
log "ready: $("$DEPLOY_VENV_DIR/bin/sam" --version), cfn-lint $("$DEPLOY_VENV_DIR/bin/cfn-lint" --version | awk '{print $2}'), $("$DEPLOY_VENV_DIR/bin/cargo-lambda" lambda --version 2>/dev/null || "$DEPLOY_VENV_DIR/bin/cargo-lambda" --version)"
