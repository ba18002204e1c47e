#!/usr/bin/env python3
"""keepalive.py - a client that has its connection before a test begins.

  keepalive.py PORT --go FILE [--wait S] [--header "NAME: VALUE"]... REQUEST...

Opens one HTTP/1.1 keep-alive connection to 127.0.0.1:PORT and sends
GET /heartbeat on it at once, so the server has taken the connection; prints
{"ready": STATUS}. Then waits until FILE exists (at most --wait seconds,
default 60, at most 300) and sends each REQUEST on that same connection, in
order, printing one JSON line for each:

  {"request": "GET /students", "status": 200, "body": "...", "reused": true}
  {"request": "POST /students/1/grades", "error": "..."}

A REQUEST is "METHOD PATH" or "METHOD PATH BODY" (sent as JSON when it
starts with "{", else as text/plain), each with the --header lines. "reused"
says whether the request went over the first connection: after an error the
next request opens a new one. Bodies are cut at 64 KB. Loopback only.
"""
import argparse
import http.client
import json
import os
import sys
import time

TIMEOUT = 10


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("port", type=int)
    p.add_argument("--go", required=True)
    p.add_argument("--wait", type=float, default=60)
    p.add_argument("--header", action="append", default=[])
    p.add_argument("requests", nargs="+")
    args = p.parse_args()
    if not 0 < args.wait <= 300:
        sys.exit("keepalive: waits at most 300 s")

    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=TIMEOUT)
    try:
        conn.request("GET", "/heartbeat")
        r = conn.getresponse()
        r.read()
        print(json.dumps({"ready": r.status}), flush=True)
    except (OSError, http.client.HTTPException) as e:
        print(json.dumps({"ready": 0, "error": str(e)}), flush=True)
        return 1
    first = conn.sock

    deadline = time.monotonic() + args.wait
    while not os.path.exists(args.go):
        if time.monotonic() >= deadline:
            print(json.dumps({"error": "no go after %.0f s" % args.wait}), flush=True)
            return 1
        time.sleep(0.05)

    for req in args.requests:
        parts = req.split(" ", 2)
        method, path = parts[0], parts[1]
        body = parts[2].encode() if len(parts) > 2 else None
        headers = dict(h.split(": ", 1) for h in args.header)
        if body is not None:
            headers["Content-Type"] = "application/json" if body.startswith(b"{") else "text/plain"
        out = {"request": method + " " + path}
        try:
            conn.request(method, path, body=body, headers=headers)
            out["reused"] = conn.sock is first
            r = conn.getresponse()
            out["status"] = r.status
            out["body"] = r.read(65536).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as e:
            out["error"] = "%s: %s" % (type(e).__name__, e)
            conn.close()
        print(json.dumps(out), flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
