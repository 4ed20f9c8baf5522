#!/bin/sh
# Serves a rule file through callrouter (FastCGI) and a real nginx on
# 127.0.0.1:PORT, in the foreground, until Ctrl-C; then stops both by PID and
# removes its folder.
# usage: nginx/run-local.sh BINARY RULEFILE PORT
set -eu
bin=$1 ini=$2 port=$3
here=$(cd "$(dirname "$0")" && pwd)
command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
dir=$(mktemp -d "${TMPDIR:-/tmp}/callrouter-run.XXXXXX")
sock=$dir/callrouter.sock
cr_pid= ng_pid=

stop() {
    trap - EXIT INT TERM
    [ -n "$ng_pid" ] && kill -TERM "$ng_pid" 2>/dev/null
    [ -n "$cr_pid" ] && kill -TERM "$cr_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 0' INT TERM

"$bin" --config "$ini" --check
"$bin" --config "$ini" --listen "unix:$sock" &
cr_pid=$!
i=0
while [ ! -S "$sock" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$cr_pid" 2>/dev/null; then
        echo "run-local: callrouter did not start" >&2
        exit 1
    fi
    sleep 0.05
done

sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@SOCKET@|$sock|g" \
    -e "s|@SNIPPET@|$here/callrouter-fastcgi.conf|g" -e "s|@ACCESS_LOG@|off|g" \
    -e "s|@USER@|$(id -un)|g" -e "s|@GROUP@|$(id -gn)|g" \
    "$here/local.conf.in" > "$dir/nginx.conf"
nginx -e stderr -p "$dir" -c "$dir/nginx.conf" -t -q
nginx -e stderr -p "$dir" -c "$dir/nginx.conf" &
ng_pid=$!

cat <<MSG

callrouter serves $ini on http://localhost:$port through nginx. Try:

    curl -X POST --data "from=492111234567&to=4915791234567&direction=in" http://localhost:$port

One log line per request follows. Ctrl-C stops nginx and callrouter.

MSG
# Either process ending ends the run.
while kill -0 "$cr_pid" 2>/dev/null && kill -0 "$ng_pid" 2>/dev/null; do
    sleep 0.2
done
echo "run-local: a server stopped; shutting down" >&2
exit 1
