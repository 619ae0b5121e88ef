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
# Read with a YAML parser (PyYAML, which cfn-lint and moto pull in) that keeps CloudFormation tags (!Sub, !Ref,
# ...) as plain values, from the deploy venv's Python or else the test venv's.
lambda_binaries() {
  local python="$DEPLOY_VENV_DIR/bin/python"
  [[ -x $python ]] || python="$VENV_DIR/bin/python"
  "$python" - "$TEMPLATE" <<'PY'
import sys

import yaml


class CloudFormationLoader(yaml.SafeLoader):
    """A safe loader that reads any `!Tag` as the plain value it tags."""


def untagged(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


CloudFormationLoader.add_multi_constructor("!", untagged)
with open(sys.argv[1]) as template:
    resources = yaml.load(template, Loader=CloudFormationLoader).get("Resources") or {}
for resource in resources.values():
    binary = ((resource.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary")
    if binary:
        print(binary)
PY
}
