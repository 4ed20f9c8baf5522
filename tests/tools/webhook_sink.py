#!/usr/bin/env python3
"""An HTTP receiver for the tests of --notify's webhooks: listens on 127.0.0.1:PORT and
appends each POST it takes (path, Content-Type, body and the time it came) as one JSON
line to FILE.
--fail-first N answers the first N POSTs 500 (and records them in FILE.failed);
--redirect URL answers every POST 307 to URL; --tls CERT KEY speaks HTTPS.

usage: webhook_sink.py PORT FILE [--fail-first N] [--redirect URL] [--tls CERT KEY]
"""

import json
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[3:]
    fail_first, redirect, tls = 0, None, None
    while args:
        if args[0] == "--fail-first":
            fail_first, args = int(args[1]), args[2:]
        elif args[0] == "--redirect":
            redirect, args = args[1], args[2:]
        elif args[0] == "--tls":
            tls, args = (args[1], args[2]), args[3:]
        else:
            sys.exit("unknown argument " + args[0])
    lock = threading.Lock()
    seen = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8", "replace")
            record = {"path": self.path, "type": self.headers.get("Content-Type"), "body": body, "at": time.time()}
            with lock:
                seen[0] += 1
                failing = seen[0] <= fail_first
                with open(out + (".failed" if failing or redirect else ""), "a") as f:
                    f.write(json.dumps(record) + "\n")
            if redirect:
                self.send_response(307)
                self.send_header("Location", redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(500 if failing else 200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
