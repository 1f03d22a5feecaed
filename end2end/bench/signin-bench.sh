#!/usr/bin/env bash
# What sign-in costs a request: the median and p95 time of GET /executions and of a server
# function (POST /api/approvals/facets), 300 each with curl, first on a server with no
# account (the check reads "any account?" and lets it through), then signed in on the same
# server (that read, the session and the account). Usage:
#   end2end/bench/signin-bench.sh [PATH-TO-statehouse] [PORT]
set -eu
B=${1:-target/debug/statehouse}
D=$(mktemp -d)
PORT=${2:-38557}
STATEHOUSE_LISTEN=127.0.0.1:$PORT STATEHOUSE_DATA_DIR=$D $B serve > /tmp/bench-signin.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$D"' EXIT
base=http://127.0.0.1:$PORT
until curl -sf -o /dev/null "$base/healthz"; do sleep 0.2; done
measure() { # label, extra curl args...
  label=$1; shift
  for i in $(seq 20); do curl -s -o /dev/null "$@" "$base/executions"; done
  for i in $(seq 300); do curl -s -o /dev/null -w '%{time_total}\n' "$@" "$base/executions"; done | sort -n | awk -v l="$label" '{a[NR]=$1} END {printf "%s /executions: median %.2f ms, p95 %.2f ms (n=%d)\n", l, a[int(NR/2)]*1000, a[int(NR*0.95)]*1000, NR}'
  for i in $(seq 300); do curl -s -o /dev/null -w '%{time_total}\n' -X POST -H 'content-type: application/x-www-form-urlencoded' "$@" "$base/api/approvals/facets"; done | sort -n | awk -v l="$label" '{a[NR]=$1} END {printf "%s server function: median %.2f ms, p95 %.2f ms (n=%d)\n", l, a[int(NR/2)]*1000, a[int(NR*0.95)]*1000, NR}'
}
measure "no accounts"
printf '%s\n' "a password for the sign-in benchmark" | $B user add bench --data-dir $D > /dev/null
J=$(mktemp)
page=$(curl -s -c $J -b $J "$base/login")
csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -s -o /dev/null -c $J -b $J -H 'sec-fetch-site: same-origin' --data-urlencode "csrf=$csrf" --data-urlencode "next=/" --data-urlencode "name=bench" --data-urlencode "password=a password for the sign-in benchmark" "$base/login"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "$base/executions")
[ "$code" = 200 ] || { echo "signing in failed: /executions answered $code"; exit 1; }
measure "signed in" -b "$J"
rm -f "$J"
