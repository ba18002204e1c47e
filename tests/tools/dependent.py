#!/usr/bin/env python3
"""dependent.py - a foreign service for dgo's registry tests, written for the
original protocol: it registers with the registry, records every patch it is
sent, and answers its heartbeat (or, on command, stops answering or hangs).

  dependent.py --port 7001 --name TestDependent --requires LogService --record FILE

FILE gets one JSON line per patch: {"t": <unix time, float>, "patch": {...}}.
Control (loopback): POST /control/heartbeat with body "ok", "fail" (500),
"hang" (accept, never answer) or "close" (close without answering).
SIGTERM deregisters (DELETE /services) and exits.
"""
import argparse
import http.server
import json
import signal
import sys
import threading
import time
import urllib.request

mode = {"heartbeat": "ok"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--name", default="TestDependent")
    p.add_argument("--requires", action="append", default=[])
    p.add_argument("--registry", default="http://127.0.0.1:3000/services")
    p.add_argument("--record", required=True)
    p.add_argument("--no-register", action="store_true")
    args = p.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    record = open(args.record, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, code, body=b""):
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path != "/heartbeat":
                return self.reply(404)
            m = mode["heartbeat"]
            if m == "hang":
                time.sleep(3600)
            elif m == "close":
                self.close_connection = True
                return
            self.reply(200 if m == "ok" else 500, b"ok")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/services":
                record.write(json.dumps({"t": time.time(), "patch": json.loads(body)}) + "\n")
                return self.reply(200)
            if self.path == "/control/heartbeat":
                mode["heartbeat"] = body.decode().strip()
                return self.reply(200)
            self.reply(404)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    reg = {"ServiceName": args.name, "ServiceURL": url, "RequiredServices": args.requires,
           "ServiceUpdateURL": url + "/services", "HeartbeatURL": url + "/heartbeat"}

    def request(method, data, ctype):
        req = urllib.request.Request(args.registry, data=data, method=method, headers={"Content-Type": ctype})
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status

    if not args.no_register:
        for _ in range(100):
            try:
                request("POST", json.dumps(reg).encode(), "application/json")
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("dependent: could not register")
    print(f"dependent {args.name} up at {url}", flush=True)

    def on_term(*_):
        try:
            request("DELETE", url.encode(), "text/plain")
        except OSError:
            pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
