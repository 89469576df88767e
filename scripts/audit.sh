#!/usr/bin/env bash
# `make audit`: pip-audit over the lock files. They pin every package with hashes, so nothing is
# resolved or installed; each pinned version is looked up in PyPI's advisory data (JSON API).
# Usage: scripts/audit.sh PIP_AUDIT LOCKFILE...
set -uo pipefail
pip_audit=$1
shift
args=()
for lock in "$@"; do args+=(-r "$lock"); done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$pip_audit" --strict --disable-pip --require-hashes --progress-spinner off "${args[@]}" >"$out" 2>&1
rc=$?
cat "$out"
if [ "$rc" -ne 0 ] && grep -qE 'not found on PyPI|ConnectionError|Max retries|Name or service not known|timed out' "$out"; then
  echo "make audit: FAILED, nothing audited: the vulnerability database (PyPI's JSON API) is not reachable from this machine" >&2
  exit 2
fi
if [ "$rc" -ne 0 ]; then
  echo "make audit: FAILED: known vulnerabilities in the locked versions (listed above); update them and run make lock" >&2
  exit 1
fi
echo "make audit: no known vulnerabilities in $*"
