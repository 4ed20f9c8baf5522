#!/bin/sh
# make bench-cgi (and a part of make bench): callrouter as CGI against the bare C CGI
# (bench/cgi-floor.c), each program started once per request as a web server starts it
# (bench/cgi-time.c: fork and exec, the CGI environment, the seed's body on stdin, the
# answer read to its end), the programs taking turns request by request. Rows: the
# request with the sample rules, and `--version` (the start alone).
# usage: bench/cgi.sh BUILD_DIR [REQUESTS]
set -eu
build=$1 n=${2:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
body="from=492111234567&to=4915791234567&direction=in"   # the seed's POST (bench/post.lua)
b=$(cd "$build" && pwd)
for f in callrouter callrouter-static bench-cgi-floor bench-cgi-time; do
    [ -x "$b/$f" ] || { echo "bench/cgi.sh: $b/$f is not built (make bench-cgi builds it)" >&2; exit 1; }
done
echo "load average at the start: $(cut -d ' ' -f 1-3 /proc/loadavg); $n requests each, taking turns"
"$b/bench-cgi-time" "$n" "$root/etc/callrouter.ini" "$body" \
    "bare C CGI=$b/bench-cgi-floor" \
    "callrouter (make)=$b/callrouter" \
    "callrouter-static=$b/callrouter-static" \
    "bare C CGI --version=$b/bench-cgi-floor --version" \
    "callrouter --version=$b/callrouter --version" \
    "callrouter-static --version=$b/callrouter-static --version"
echo "load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg)"
