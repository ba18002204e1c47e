#!/usr/bin/env python3
"""httpload.py - small, bounded HTTP load for dgo's tests (loopback only).

  httpload.py post URL --count N --concurrency C [--body TEMPLATE] [--type MEDIA]
      N POSTs over C keep-alive connections; TEMPLATE may hold {i} (0..N-1).
      Prints {"status": {"200": N, ...}, "errors": E, "seconds": S};
      --record FILE lists the {i} of every request answered 2xx;
      --record-times FILE lists "{i} T" for them, T the Unix time (float)
      at which the answer had been read (so the request was served before T).
  httpload.py burst HOST PORT --connections N [--timeout S]
      Opens N connections at once, sends one GET /heartbeat on each and
      reads until the deadline. Prints how many were answered (with which
      status), closed without an answer, refused or still open.
"""
import argparse
import http.client
import json
import resource
import selectors
import socket
import sys
import threading
import time
import urllib.parse


def cmd_post(args):
    url = urllib.parse.urlsplit(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("httpload: loopback targets only")
    status, errors, lock = {}, [0], threading.Lock()
    acked = []
    counter = iter(range(args.count))

    def worker():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=args.timeout)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body = args.body.replace("{i}", str(i)).encode()
            try:
                conn.request("POST", url.path, body=body, headers={"Content-Type": args.type})
                resp = conn.getresponse()
                resp.read()
                key, answered = str(resp.status), time.time()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=args.timeout)
                key = None
            with lock:
                if key:
                    status[key] = status.get(key, 0) + 1
                    if key.startswith("2"):
                        acked.append((i, answered))
                else:
                    errors[0] += 1
        conn.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acked.sort()
    if args.record:
        with open(args.record, "w") as f:
            f.writelines(f"{i}\n" for i, _ in acked)
    if args.record_times:
        with open(args.record_times, "w") as f:
            f.writelines(f"{i} {t:.6f}\n" for i, t in acked)
    print(json.dumps({"status": status, "errors": errors[0],
                      "seconds": round(time.monotonic() - start, 3)}))


def cmd_burst(args):
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("httpload: loopback targets only")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 100), hard))
    sel = selectors.DefaultSelector()
    # The service's own name in Host: others are refused (docs/security.md).
    host = "[%s]:%d" % (args.host, args.port) if ":" in args.host else "%s:%d" % (args.host, args.port)
    request = b"GET /heartbeat HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n"
    result = {"answered": {}, "closed": 0, "refused": 0, "open": 0}
    start = time.monotonic()
    deadline = start + args.timeout
    for _ in range(args.connections):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((args.host, args.port))
        if err not in (0, 115):              # 115: EINPROGRESS
            result["refused"] += 1
            s.close()
            continue
        sel.register(s, selectors.EVENT_WRITE, {"sent": False, "buf": b""})
    while sel.get_map() and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=0.2):
            s, st = key.fileobj, key.data
            try:
                if not st["sent"]:
                    s.send(request)
                    st["sent"] = True
                    sel.modify(s, selectors.EVENT_READ, st)
                    continue
                chunk = s.recv(4096)
            except OSError:
                result["closed"] += 1
                sel.unregister(s)
                s.close()
                continue
            if chunk:
                st["buf"] += chunk
                continue
            line = st["buf"].split(b"\r\n", 1)[0].split()
            if len(line) >= 2:
                code = line[1].decode()
                result["answered"][code] = result["answered"].get(code, 0) + 1
            else:
                result["closed"] += 1
            sel.unregister(s)
            s.close()
    result["open"] = len(sel.get_map())
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    result["seconds"] = round(time.monotonic() - start, 3)
    print(json.dumps(result))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    post = sub.add_parser("post")
    post.add_argument("url")
    post.add_argument("--count", type=int, default=100)
    post.add_argument("--concurrency", type=int, default=10)
    post.add_argument("--body", default="[LoadTest] - message {i}")
    post.add_argument("--type", default="text/plain")
    post.add_argument("--timeout", type=float, default=10)
    post.add_argument("--record", help="write the {i} of every 2xx answer to this file")
    post.add_argument("--record-times", help='write "{i} T" of every 2xx answer, T when it was read')
    burst = sub.add_parser("burst")
    burst.add_argument("host")
    burst.add_argument("port", type=int)
    burst.add_argument("--connections", type=int, default=1000)
    burst.add_argument("--timeout", type=float, default=30)
    args = p.parse_args()
    if getattr(args, "count", 0) > 100000 or getattr(args, "connections", 0) > 20000:
        sys.exit("httpload: bounded to 100000 requests / 20000 connections")
    {"post": cmd_post, "burst": cmd_burst}[args.cmd](args)


if __name__ == "__main__":
    main()
