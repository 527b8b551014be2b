#!/usr/bin/env bash
# Start a local PostgreSQL cluster and Redis when they are installed but not running.
# Where neither is installed this does nothing: those tests skip (and fail under CI=true).
set -uo pipefail

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    pg_isready -q -h 127.0.0.1 -p 5432 -t 30 || echo "PostgreSQL did not start" >&2
  fi
fi

if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      >/dev/null 2>&1 || echo "Redis did not start" >&2
  fi
fi
exit 0
