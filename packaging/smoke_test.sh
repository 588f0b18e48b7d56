#!/usr/bin/env bash
# Smoke test of the artefact, not the source: build the frozen app and its .deb, install the
# .deb with apt-get, then drive the INSTALLED `shipyard` (/usr/bin/shipyard -> /opt/shipyard)
# through the demo: train, gate, export with a passphrase-protected key, verify, and
# offscreen screenshots of every page. Needs root (or sudo) for apt-get.
#
#     bash packaging/smoke_test.sh             build, install, test
#     SHIPYARD_SMOKE_NO_BUILD=1 bash ...       reuse dist/shipyard_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
START=$(date +%s)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
STEP="start"
CHECKS=0
trap 'echo "Desktop smoke test FAILED at: $STEP (after $(( $(date +%s) - START )) s)"' ERR

step() { STEP="$*"; echo "--- smoke: $STEP" ; }
passed() { CHECKS=$((CHECKS + 1)); }

if [ -z "${SHIPYARD_SMOKE_NO_BUILD:-}" ]; then
  step "build the frozen app, the .deb and the .tar.gz"
  # PyInstaller writes the Linux executable with objcopy (binutils).
  if ! command -v objcopy >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq binutils >/dev/null
  fi
  python3 tools/dev.py package
  passed
fi
DEB=$(ls "$REPO"/dist/shipyard_*.deb | head -n 1)
BUILT=$(date +%s)

step "apt-get install $DEB"
$SUDO apt-get update -qq
# --reinstall: a machine that has this version installed already gets the new build.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --reinstall "$DEB" >/dev/null
[ "$(readlink -f "$(command -v shipyard)")" = /opt/shipyard/shipyard ]
test -f /usr/share/applications/shipyard.desktop
test -f /usr/share/icons/hicolor/48x48/apps/shipyard.png
passed

# The installed command only: no source tree, no virtual environment, a throwaway home.
WORK=$(mktemp -d /tmp/shipyard-smoke-XXXXXX)
cd "$WORK"
unset PYTHONPATH VIRTUAL_ENV PYTHONHOME
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/config" SHIPYARD_CONFIG_DIR="$WORK/shipyard-config"
export PATH="/usr/bin:/bin" QT_QPA_PLATFORM=offscreen
mkdir -p "$HOME"
DEMO="$WORK/demo"

step "shipyard --version"
shipyard --version | tee version.txt
grep -q "^shipyard " version.txt
grep -q "onnxruntime" version.txt
passed

step "shipyard demo DEMO --no-gui"
shipyard demo "$DEMO" --no-gui
test -f "$DEMO/shipyard.toml"
passed

step "shipyard train DEMO churn-risk"
shipyard train "$DEMO" churn-risk
passed

# The window trains in multiprocessing children; driven here by the repository's Python
# standing in for the frozen window (see the probe's docstring).
for method in forkserver spawn; do
  step "training in $method children of the installed app"
  PYTHONPATH="$REPO/app" "$REPO/.venv/bin/python" "$REPO/packaging/frozen_children_probe.py" \
    /opt/shipyard/shipyard "$DEMO" "$method"
  passed
done

step "shipyard gate DEMO churn-risk"
shipyard gate "$DEMO" churn-risk
passed

step "shipyard keys generate DEMO --passphrase-file"
printf 'smoke-test passphrase\n' > "$WORK/passphrase"
shipyard keys generate "$DEMO" --passphrase-file "$WORK/passphrase"
KEY=$(ls "$DEMO"/keys/*.pub.pem | head -n 1)
passed

step "shipyard export DEMO churn-risk --passphrase-file"
shipyard export "$DEMO" churn-risk --passphrase-file "$WORK/passphrase" --out "$WORK/exports"
ZIP=$(ls "$WORK"/exports/*.zip | head -n 1)
passed

step "shipyard verify the exported package"
shipyard verify --key "$KEY" "$ZIP"
passed

for page in welcome portfolio onepager models gates rollout package datasets settings; do
  step "shipyard screenshot --page $page (offscreen)"
  shipyard screenshot "$DEMO" "$WORK/$page.png" --page "$page" --project churn-risk
  [ "$(stat -c %s "$WORK/$page.png")" -gt 10000 ]
  passed
done

# The training above ran in child processes; a forkserver or resource tracker of the frozen
# app that outlived it would be a leak.
step "no shipyard process left behind"
sleep 1
! pgrep -f '^/opt/shipyard/shipyard' >/dev/null
passed

# keyring's backends made it into the bundle: store a key in a real Secret Service
# (gnome-keyring on a private session bus; .ci/run installs both).
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  step "shipyard keys generate through the OS keyring (Secret Service)"
  mkdir -p "$WORK/run" && chmod 700 "$WORK/run"
  env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$WORK/run" dbus-run-session -- sh -c '
    eval "$(printf "smoke\n" | gnome-keyring-daemon --unlock --components=secrets | sed "s/^/export /")"
    shipyard init "$1" >/dev/null && shipyard keys generate "$1" && shipyard keys list "$1"
  ' sh "$WORK/keyring-ws" 2>&1 | grep -v "fd limit" | tee keyring.txt
  grep -q "private key in the OS keyring" keyring.txt
  passed
fi

step "the .tar.gz: install.sh into a user's home, run, --uninstall"
TGZ=$(ls "$REPO"/dist/shipyard-*-linux-*.tar.gz | head -n 1)
mkdir -p "$WORK/user" && tar -xzf "$TGZ" -C "$WORK/user"
HOME="$WORK/user" XDG_DATA_HOME="" sh "$WORK"/user/shipyard-*/install.sh
HOME="$WORK/user" "$WORK/user/.local/bin/shipyard" --version | grep -q "^shipyard "
grep -q "^Exec=$WORK/user/.local/opt/shipyard/shipyard open" \
  "$WORK/user/.local/share/applications/shipyard.desktop"
HOME="$WORK/user" sh "$WORK"/user/shipyard-*/install.sh --uninstall
[ ! -e "$WORK/user/.local/bin/shipyard" ]
passed

cd "$REPO"
rm -rf "$WORK"
END=$(date +%s)
echo "Desktop smoke test passed: $CHECKS checks on the installed $(basename "$DEB")" \
  "(build $((BUILT - START)) s, install and run $((END - BUILT)) s)"
