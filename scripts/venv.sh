#!/usr/bin/env bash
# Creates ./.venv and installs tests/python/requirements.txt; does nothing when the requirements (and the
# Python version) are unchanged since the last install.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

requirements="$ROOT/tests/python/requirements.txt"
stamp="$VENV_DIR/.requirements.sha256"
want=$({ sha256sum <"$requirements"; python3 --version 2>&1; } | sha256sum | cut -d' ' -f1)

if [[ -x $VENV_DIR/bin/python && -f $stamp && "$(<"$stamp")" == "$want" ]]; then
  log "up to date ($VENV_DIR)"
  exit 0
fi
if [[ ! -x $VENV_DIR/bin/python ]]; then
  log "creating $VENV_DIR"
  if ! python3 -m venv "$VENV_DIR"; then
    rm -rf "$VENV_DIR"
    log "python3 -m venv failed: install python3-venv (apt-get install -y python3-venv)" >&2
    exit 1
  fi
fi
log "installing $(grep -cvE '^\s*(#|$)' "$requirements") requirements"
"$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$want" >"$stamp"
log "ready ($("$VENV_DIR/bin/python" --version))"
