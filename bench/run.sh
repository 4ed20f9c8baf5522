#!/bin/sh
# make bench: number lookups (10 vs 1,000,000 entries), the load time of a
# 1,000,000-number list file, and wrk through a real nginx on loopback: nginx
# answering the same XML by itself (the ceiling) beside nginx -> callrouter.
# Ratios matter; absolute figures depend on the machine.
# usage: bench/run.sh BUILD_DIR [SECONDS]
set -eu
build=$1 secs=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/callrouter
dir=$(mktemp -d "${TMPDIR:-/tmp}/callrouter-bench.XXXXXX")
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

echo "== number lookups"
"$build/bench-lookup"

echo
echo "== loading a list file of 1,000,000 numbers"
python3 -c "
import random
random.seed(1)
with open('$dir/big.txt', 'w') as f:
    for i in range(1000000): f.write('49%d\n' % random.randrange(10**9, 10**12))
"
printf '[settings]\ncountry_code = 49\n[list big]\nfile = big.txt\n[rule block]\nfrom = @big\naction = reject\n' > "$dir/big.ini"
for i in 1 2 3; do "$bin" --config "$dir/big.ini" --check; done

echo
echo "== wrk through nginx, 2 threads, 64 connections, ${secs}s each"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sock=$dir/cr.sock
"$bin" --config "$root/etc/callrouter.ini" --listen "unix:$sock" --threads 4 2>"$dir/callrouter.log" &
pids="$pids $!"
while [ ! -S "$sock" ]; do sleep 0.05; done
xml=$("$bin" --config "$root/etc/callrouter.ini" --test 'from=492111234567&to=4915791234567&direction=in' 2>/dev/null | tr -d '\n')
sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@SOCKET@|$sock|g" \
    -e "s|@SNIPPET@|$root/nginx/callrouter-fastcgi.conf|g" -e "s|@ACCESS_LOG@|off|g" \
    -e "s|@USER@|$(id -un)|g" -e "s|@GROUP@|$(id -gn)|g" "$root/nginx/local.conf.in" |
  sed -e "s|        location / {|        location = /static { default_type application/xml; return 200 '$xml'; }\n        location / {|" \
  > "$dir/nginx.conf"
nginx -e stderr -p "$dir" -c "$dir/nginx.conf" &
pids="$pids $!"
while ! curl -s -o /dev/null "http://127.0.0.1:$port/static"; do sleep 0.05; done

run() {
    wrk -t2 -c64 -d"${secs}s" --latency -s "$root/bench/post.lua" "$1" > "$dir/wrk.out"
    rps=$(awk '/Requests\/sec/ {print $2}' "$dir/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$dir/wrk.out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$dir/wrk.out")
    errors=$(awk '/Socket errors/ {print $0}' "$dir/wrk.out")
    printf '%-36s %10s req/s  p99 %-8s non-2xx %s %s\n' "$2" "$rps" "$p99" "${non2xx:-0}" "$errors"
    echo "$rps"  > "$dir/$3.rps"
}
run "http://127.0.0.1:$port/static" "nginx alone (return 200, same XML)" static
run "http://127.0.0.1:$port/" "nginx -> callrouter (FastCGI)" callrouter
awk -v a="$(cat "$dir/callrouter.rps")" -v b="$(cat "$dir/static.rps")" \
    'BEGIN { printf "callrouter behind nginx reaches %.0f%% of nginx answering alone\n", 100 * a / b }'
echo "callrouter log lines: $(grep -c 'status=200' "$dir/callrouter.log") answered 200, $(grep 'status=' "$dir/callrouter.log" | grep -vc 'status=200') other"
