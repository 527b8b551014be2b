#!/usr/bin/env bash
# Install Debian's nginx for the several-hosts bench (bench/several_hosts.py). The bench runs
# nginx with its own configuration in a temporary folder; the system service is not used.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "nginx is missing and cannot be installed here; the several-hosts bench needs it" >&2
  exit 1
fi
echo "Installing Debian's nginx for the several-hosts bench..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps apt from starting the service on machines that have one; where apt would
# start it anyway, it is stopped again at once: the bench brings its own nginx.
apt-get install -y -qq nginx >/dev/null
if command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi
