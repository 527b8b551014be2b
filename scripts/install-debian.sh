#!/usr/bin/env bash
# Install the Debian packages the tests drive when this machine lacks them:
#   scripts/install-debian.sh chromium faketime
# Each argument is a package whose command has the same name. Where apt cannot be used
# (not root, not Debian) this says so and exits 0: those tests skip, or fail under CI=true.
set -euo pipefail
missing=()
for package in "$@"; do
  command -v "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing and not installable here: ${missing[*]}; the tests that need them skip" >&2
  exit 0
fi
echo "Installing Debian's ${missing[*]} for the tests..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
