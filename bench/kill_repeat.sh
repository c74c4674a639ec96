#!/usr/bin/env bash
# Kill a worker with SIGKILL at a random moment of a 1,000-message fan-out, N times
# (default 30), and count the runs with 0 lost and 0 sent twice (bench/kill_at_random.py).
# Needs PostgreSQL and Redis; usage: bash bench/kill_repeat.sh [N]
set -u
cd "$(dirname "$0")/.."
runs=${1:-30}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/lwc_kill}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/3}
passed=0
failed=0
for i in $(seq 1 "$runs"); do
  log=$(mktemp)
  if .venv/bin/python -m pytest bench/kill_at_random.py -q -n0 -p no:randomly >"$log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    grep -E "^E  " "$log" | head -2
  fi
  rm -f "$log"
  echo "run $i: $passed passed, $failed failed"
done
