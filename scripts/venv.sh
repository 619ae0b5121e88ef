#!/usr/bin/env bash
# Creates ./.venv and installs tests/python/requirements.txt (moto, pytest, schemathesis); does nothing when the
# requirements (and the Python version) are unchanged since the last install.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_venv "$VENV_DIR" "$ROOT/tests/python/requirements.txt"
if ((VENV_INSTALLED)); then
  log "ready ($("$VENV_DIR/bin/python" --version))"
else
  log "up to date ($VENV_DIR)"
fi
