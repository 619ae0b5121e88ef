#!/usr/bin/env bash
# `make build`: cross-compiles every Lambda function of template.yaml for arm64 (Graviton) with cargo-lambda and
# zig from ./.venv-deploy (no Docker), into target/lambda/<binary>/bootstrap, then prints each bootstrap's size.
# Extra arguments go to `cargo lambda build` (e.g. --bin get-run to build one).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy-env.sh"
cd "$ROOT"

use_deploy_venv
mapfile -t binaries < <(lambda_binaries)
((${#binaries[@]})) || { log "no Binary: entries in $TEMPLATE" >&2; exit 1; }

args=()
subset=false
if (($#)); then
  subset=true
  args=("$@")
else
  for binary in "${binaries[@]}"; do args+=(--bin "$binary"); done
fi

log "cargo lambda build --release --arm64 ${args[*]}"
started=$SECONDS
cargo lambda build --release --arm64 "${args[@]}"
elapsed=$((SECONDS - started))

# ELF e_machine (bytes 18-19, little-endian): 0xb7 = AArch64, 0x3e = x86-64.
arch_of() {
  case "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' \n')" in
    b700) echo arm64 ;;
    3e00) echo x86_64 ;;
    *) echo unknown ;;
  esac
}

lambda_dir="$TARGET_DIR/lambda"
echo
printf '%-18s %-7s %12s %9s %12s\n' function arch bytes MiB "zipped MiB"
printf '%-18s %-7s %12s %9s %12s\n' ------------------ ------- ------------ --------- ------------
status=0 total=0
for binary in "${binaries[@]}"; do
  file="$lambda_dir/$binary/bootstrap"
  if [[ ! -f $file ]]; then
    printf '%-18s %s\n' "$binary" "missing ($file)"
    $subset || status=1
    continue
  fi
  bytes=$(stat -c %s "$file")
  zipped=$(gzip -9 -c "$file" | wc -c)
  total=$((total + bytes))
  arch=$(arch_of "$file")
  [[ $arch == arm64 ]] || status=1
  awk -v b="$binary" -v a="$arch" -v n="$bytes" -v z="$zipped" \
    'BEGIN { printf "%-18s %-7s %12d %9.1f %12.1f\n", b, a, n, n / 1048576, z / 1048576 }'
done
awk -v n="$total" 'BEGIN { printf "%-18s %-7s %12d %9.1f\n", "total", "", n, n / 1048576 }'
echo
log "built in ${elapsed} s; bootstraps in ${lambda_dir#"$ROOT"/}/<function>/bootstrap"
exit "$status"
