#!/usr/bin/env python3
"""slowloris.py - hold many slow requests to a loopback port, as a slow client would.

  slowloris.py PORT [--connections N] [--interval S] [--seconds T] [--path P]

Keeps N connections (default 1000, at most 2000) to 127.0.0.1:PORT open for T
seconds (default 20, at most 120), each sending a request one header line
every S seconds (default 2): "POST P HTTP/1.1", then "X-Slow-K: x" lines,
never the blank line that ends the headers. A connection the server closes
is opened again at once, so N are held all along. Prints one JSON line:

  {"opened": O, "closed_by_server": C, "lifetime_max": L, "lifetime_median": M,
   "held_at_end": H, "seconds": T}

O counts every connection opened, C those the server closed, L and M (seconds)
how long the ones it closed had lived. Loopback only; bounded in count and time.
"""
import argparse
import json
import resource
import selectors
import socket
import statistics
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--path", default="/log")
    args = ap.parse_args()
    n = max(1, min(args.connections, 2000))
    seconds = max(1.0, min(args.seconds, 120.0))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))

    sel = selectors.DefaultSelector()
    conns = {}                  # socket -> [opened at, lines sent, next send]
    opened = closed = 0
    lifetimes = []
    start = time.monotonic()

    def open_one(now):
        nonlocal opened
        s = socket.create_connection(("127.0.0.1", args.port), timeout=2)
        s.setblocking(False)
        s.send(("POST %s HTTP/1.1\r\n" % args.path).encode())
        # Spread the lines over the interval, not all at the same instant.
        conns[s] = [now, 1, now + args.interval * (1 + (opened % 100) / 100)]
        sel.register(s, selectors.EVENT_READ)
        opened += 1

    def drop(s, now, by_server):
        nonlocal closed
        sel.unregister(s)
        born = conns.pop(s)[0]
        s.close()
        if by_server:
            closed += 1
            lifetimes.append(now - born)

    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        while len(conns) < n:
            try:
                open_one(now)
            except OSError:
                break
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                drop(s, now, True)
        for s, c in list(conns.items()):
            if now >= c[2]:
                try:
                    s.send(b"X-Slow-%d: x\r\n" % c[1])
                    c[1] += 1
                    c[2] = now + args.interval
                except OSError:
                    drop(s, now, True)
    held = len(conns)
    for s in list(conns):
        drop(s, time.monotonic(), False)
    print(json.dumps({
        "opened": opened, "closed_by_server": closed,
        "lifetime_max": round(max(lifetimes), 2) if lifetimes else None,
        "lifetime_median": round(statistics.median(lifetimes), 2) if lifetimes else None,
        "held_at_end": held, "seconds": round(time.monotonic() - start, 1)}))


if __name__ == "__main__":
    main()
