#!/usr/bin/env bash
# unit_verify.sh UNIT LULLD BINDIR: `systemd-analyze verify` on the configured unit, with the
# installed binary's path pointed at the one just built (verify checks that ExecStart= is an
# executable). It exits 0 even on warnings, so any output at all fails the test.
set -euo pipefail
unit=$1 lulld=$2 bindir=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed "s#${bindir}/lulld#${lulld}#g" "$unit" >"$scratch/lulld.service"
grep -q "^ExecStart=${lulld} " "$scratch/lulld.service"
output=$(systemd-analyze verify --man=no "$scratch/lulld.service" 2>&1) || true
if [ -n "$output" ]; then
  echo "systemd-analyze verify said:"
  echo "$output"
  exit 1
fi
echo "unit_verify: $unit verifies with no output"
