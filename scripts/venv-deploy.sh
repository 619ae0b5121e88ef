#!/usr/bin/env bash
# Creates ./.venv-deploy and installs tests/python/requirements-deploy.txt (aws-sam-cli, cfn-lint, cargo-lambda,
# ziglang) for `make build`, `make lint`, `make sam-build` and `make deploy`. Does nothing when the requirements
# (and the Python version) are unchanged since the last install. Kept apart from ./.venv (the test stack) because
# aws-sam-cli pins boto3/botocore/pydantic versions that differ from the test stack's, and `make test` needs none
# of it. Prints nothing but errors unless it installs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy-env.sh"

ensure_venv "$DEPLOY_VENV_DIR" "$ROOT/tests/python/requirements-deploy.txt"
if ((VENV_INSTALLED)); then
  log "ready: $("$DEPLOY_VENV_DIR/bin/sam" --version), cfn-lint $("$DEPLOY_VENV_DIR/bin/cfn-lint" --version | awk '{print $2}'), $("$DEPLOY_VENV_DIR/bin/cargo-lambda" lambda --version 2>/dev/null || "$DEPLOY_VENV_DIR/bin/cargo-lambda" --version)"
fi
