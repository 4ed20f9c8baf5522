#!/bin/sh
# Serves a rule file through callrouter (FastCGI) and a real nginx on
# 127.0.0.1:PORT, in the foreground, until Ctrl-C; then stops both by PID, says
# how each ended, and removes its folder. Exits 0 when both stopped with status 0
# within 15 s (callrouter(8): a stop takes at most 13 s, and the journal's last
# lines); a server that did not is named, killed, and the exit status is 1.
# usage: nginx/run-local.sh BINARY RULEFILE PORT
set -eu
bin=$1 ini=$2 port=$3
here=$(cd "$(dirname "$0")" && pwd)
command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
dir=$(mktemp -d "${TMPDIR:-/tmp}/callrouter-run.XXXXXX")
sock=$dir/callrouter.sock
cr_pid= ng_pid=

# end NAME PID: SIGTERM, then waits for PID at most 15 s (then SIGKILL); prints why
# when it did not end with status 0, and returns 1 then.
end() {
    [ -n "$2" ] || return 0
    kill -TERM "$2" 2>/dev/null || true
    # The watchdog takes its sleep along when it is told to go.
    (trap 'kill "$nap" 2>/dev/null; exit 0' TERM; sleep 15 & nap=$!; wait "$nap"; kill -KILL "$2" 2>/dev/null) &
    watchdog=$!
    st=0
    wait "$2" || st=$?
    kill "$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
    [ "$st" -eq 0 ] && return 0
    if [ "$st" -eq 137 ]; then
        echo "run-local: $1 (pid $2) did not stop within 15 s; killed" >&2
    else
        echo "run-local: $1 (pid $2) ended with status $st" >&2
    fi
    return 1
}

stop() {
    status=$?
    trap - EXIT INT TERM
    end nginx "$ng_pid" || status=1
    end callrouter "$cr_pid" || status=1
    rm -rf "$dir"
    exit "$status"
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
# Either process ending ends the run. The sleep is waited for, so that Ctrl-C runs
# the trap at once (a shell runs it only once its foreground command is done).
while kill -0 "$cr_pid" 2>/dev/null && kill -0 "$ng_pid" 2>/dev/null; do
    sleep 0.2 &
    wait $! || true
done
echo "run-local: a server stopped; shutting down" >&2
exit 1
