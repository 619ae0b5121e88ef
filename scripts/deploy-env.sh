# Shared settings of the build, lint and deploy scripts (build.sh, lint.sh, sam.sh, venv-deploy.sh). Source it
# after lib.sh; do not run it.
# shellcheck shell=bash

DEPLOY_VENV_DIR="$ROOT/.venv-deploy"
TEMPLATE="$ROOT/template.yaml"
export SAM_CLI_TELEMETRY=0

# Puts the deploy venv (sam, cfn-lint, cargo-lambda, python -m ziglang) first on PATH, installing it if needed.
use_deploy_venv() {
  bash "$ROOT/scripts/venv-deploy.sh"
  export PATH="$DEPLOY_VENV_DIR/bin:$PATH"
}

# The Lambda binaries the template deploys (Metadata.BuildProperties.Binary), one per line, in template order.
lambda_binaries() {
  sed -nE 's/^[[:space:]]+Binary:[[:space:]]*"?([A-Za-z0-9_-]+)"?[[:space:]]*$/\1/p' "$TEMPLATE"
}
