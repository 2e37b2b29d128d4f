#!/usr/bin/env bash
# deb_install_remove.sh BUILD_DIR: builds the .deb of BUILD_DIR with CPack and checks it as
# dpkg sees it, without touching the machine: installed into a scratch root (its own dpkg
# database, --force-script-chrootless so the maintainer scripts run, as no-ops, outside it),
# the installed lulld accepting the installed config, the installed unit verifying, then
# `dpkg -r` leaving only the conffile and `dpkg -P` nothing. As root it also asks the real
# dpkg database whether the package's dependencies are satisfiable (--dry-run: no change).
# Environment: BINDIR CONFIG_FILE UNIT_DIR DOC_DIR, the layout CMake configured.
set -euo pipefail
build=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
root=$scratch/root admin=$scratch/admin
mkdir -p "$root" "$admin/info" "$admin/updates"
touch "$admin/status"
fail() { echo "FAIL: $*"; exit 1; }

cpack --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" ||
  { cat "$scratch/cpack.log"; fail "cpack"; }
deb=$(ls "$scratch"/out/lull_*.deb)
echo "built $(basename "$deb")"
# Not a pipe into grep -q: under pipefail, dpkg-deb's SIGPIPE when grep stops early fails it.
control=$(dpkg-deb --field "$deb" Depends)
[[ $control == *libc6* ]] || fail "no shared-library dependencies: Depends: $control"

in_scratch=(dpkg --admindir="$admin" --instdir="$root" --force-not-root --force-script-chrootless)
"${in_scratch[@]}" --force-depends -i "$deb" >"$scratch/install.log" 2>&1 ||
  { cat "$scratch/install.log"; fail "dpkg -i"; }
for file in "$BINDIR/lulld" "$CONFIG_FILE" "$UNIT_DIR/lulld.service" "$DOC_DIR/README.md" \
  "$DOC_DIR/prometheus/alerts.yml" "$DOC_DIR/grafana/lull.json"; do
  [ -f "$root$file" ] || fail "$file not installed"
done
[ -x "$root$BINDIR/lulld" ] || fail "lulld not executable"
grep -qx "$CONFIG_FILE" "$admin/info/lull.conffiles" || fail "$CONFIG_FILE is not a conffile"
"$root$BINDIR/lulld" --check-config --config "$root$CONFIG_FILE" || fail "installed config"
grep -q "^ExecStart=$BINDIR/lulld --config $CONFIG_FILE\$" "$root$UNIT_DIR/lulld.service" ||
  fail "the unit does not start the installed lulld on the installed config"
"$(dirname "$0")/unit_verify.sh" "$root$UNIT_DIR/lulld.service" "$root$BINDIR/lulld" "$BINDIR"

"${in_scratch[@]}" -r lull >"$scratch/remove.log" 2>&1 || { cat "$scratch/remove.log"; fail "dpkg -r"; }
left=$(cd "$root" && find . -type f | sed 's#^\.##')
[ "$left" = "$CONFIG_FILE" ] || fail "after dpkg -r expected only $CONFIG_FILE, found: $left"
"${in_scratch[@]}" -P lull >"$scratch/purge.log" 2>&1 || { cat "$scratch/purge.log"; fail "dpkg -P"; }
left=$(cd "$root" && find . -type f)
[ -z "$left" ] || fail "after dpkg -P found: $left"

if [ "$(id -u)" -eq 0 ]; then
  # Another dpkg or apt at work holds the database lock for a while: wait for it (60 s).
  for attempt in $(seq 60); do
    dpkg --dry-run -i "$deb" >"$scratch/dry.log" 2>&1 && break
    grep -q "lock" "$scratch/dry.log" && [ "$attempt" -lt 60 ] || { cat "$scratch/dry.log"; fail "dpkg --dry-run -i"; }
    sleep 1
  done
  echo "dpkg --dry-run -i: dependencies satisfiable on this machine"
else
  echo "not root: skipped dpkg --dry-run -i against this machine's package database"
fi
echo "deb_install_remove: installs, verifies, removes and purges cleanly"
