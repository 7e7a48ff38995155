"""A real SMTP server for Kassa's email tests (aiosmtpd).

Usage: smtp_server.py PORT FOLDER [--refuse N] [--reject]
                      [--tls implicit|starttls --cert PEM --key PEM]

Keeps every message it accepts as FOLDER/NNNNNN.eml (written whole, then renamed).
--refuse N  answers the first N messages with 451 (try again later), then accepts.
--reject    answers every message with 550 (a permanent refusal).
--tls implicit  speaks TLS from the first byte (SMTPS) with the certificate and key given.
--tls starttls  offers STARTTLS with them and refuses mail before it.
A message to an address starting with "gone@" is always refused with 550.
Prints "ready" once it listens; stops when its standard input closes.
"""

import argparse
import os
import ssl
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder, refuse, reject):
        self.folder = folder
        self.refuse = refuse
        self.reject = reject
        self.kept = 0

    async def handle_DATA(self, server, session, envelope):
        if self.reject or any(r.startswith("gone@") for r in envelope.rcpt_tos):
            return "550 5.1.1 mailbox unavailable"
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.kept += 1
        path = os.path.join(self.folder, "%06d.eml" % self.kept)
        with open(path + ".part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".part", path)
        return "250 OK kept"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("folder")
    p.add_argument("--refuse", type=int, default=0)
    p.add_argument("--reject", action="store_true")
    p.add_argument("--tls", choices=["implicit", "starttls"])
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()
    handler = Keep(a.folder, a.refuse, a.reject)
    if a.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
    if a.tls == "implicit":
        controller = Controller(
            handler, hostname="127.0.0.1", port=a.port, ssl_context=context
        )
    elif a.tls == "starttls":
        controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=a.port,
            tls_context=context,
            require_starttls=True,
        )
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=a.port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
