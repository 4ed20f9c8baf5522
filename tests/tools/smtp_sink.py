#!/usr/bin/python3
"""An SMTP receiver for the tests of --notify and --digest --mail (Debian's
python3-aiosmtpd, run by /usr/bin/python3): listens on 127.0.0.1:PORT and writes each
message it takes to DIR/N.eml, whole as it came, with its envelope recipients in
DIR/N.rcpt. With --fail-first N it answers the first N messages "451 try again later".

usage: smtp_sink.py PORT DIR [--fail-first N]
"""

import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, fail_first):
        self.folder, self.fail_first, self.seen = folder, fail_first, 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seen += 1
            if self.seen <= self.fail_first:
                return "451 4.3.0 try again later (the test's receiver fails on purpose)"
            n = len([f for f in os.listdir(self.folder) if f.endswith(".eml")]) + 1
            base = os.path.join(self.folder, str(n))
            with open(base + ".rcpt", "w") as f:
                f.write("\n".join(envelope.rcpt_tos) + "\n")
            with open(base + ".tmp", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    fail_first = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--fail-first" else 0
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder, fail_first), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
