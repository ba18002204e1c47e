#!/usr/bin/env python3
"""original-client.py - a foreign service written the way the original's Go
services are (registry/client.go, service/service.go): it serves
/services (patches, applied to its table of providers) and /heartbeat,
POSTs its Registration (ServiceURL "http://localhost:PORT", the update
and heartbeat URLs that plus "/services" and "/heartbeat"), and reads its
providers the moment the registration returns, as the original's
gradingservice does with registry.GetProvider(LogService).

  original-client.py --port 7100 --name OrigClient --requires LogService [--patch-delay SEC]
                     [--hold SEC] [--deregister]

Prints one JSON line: {"status": <HTTP status of the registration>,
"seconds": <how long it took>, "providers": {Name: [URL, ...]} as read at
once after it returned}. --patch-delay answers patches only after SEC
seconds (a registrant that is slow to take its first patch); --hold keeps
serving SEC seconds after registering, then prints the providers again
(a second line, "providers" only); --deregister sends DELETE /services at the
end, as the original does on shutdown, and adds its status ("deregistered").
"""
import argparse
import http.server
import json
import threading
import time
import urllib.error
import urllib.request

providers = {}
lock = threading.Lock()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--name", default="OrigClient")
    p.add_argument("--requires", action="append", default=[])
    p.add_argument("--registry", default="http://127.0.0.1:3000/services")
    p.add_argument("--patch-delay", type=float, default=0)
    p.add_argument("--hold", type=float, default=0)
    p.add_argument("--deregister", action="store_true")
    args = p.parse_args()
    url = f"http://localhost:{args.port}"

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
            self.reply(200 if self.path == "/heartbeat" else 404)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != "/services":
                return self.reply(404)
            if args.patch_delay:
                time.sleep(args.patch_delay)
            patch = json.loads(body)
            with lock:     # the original's providers.Update(): removals, then additions
                for e in patch.get("Removed") or []:
                    urls = providers.get(e["Name"], [])
                    if e["URL"] in urls:
                        urls.remove(e["URL"])
                for e in patch.get("Added") or []:
                    providers.setdefault(e["Name"], []).append(e["URL"])
            self.reply(200)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    reg = {"ServiceName": args.name, "ServiceURL": url, "RequiredServices": args.requires,
           "ServiceUpdateURL": url + "/services", "HeartbeatURL": url + "/heartbeat"}
    t0 = time.time()
    req = urllib.request.Request(args.registry, data=json.dumps(reg).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except OSError:
        status = 0
    seconds = time.time() - t0
    with lock:     # at once, as registry.GetProvider() right after registry.RegisterService()
        seen = {k: list(v) for k, v in providers.items()}
    out = {"status": status, "seconds": round(seconds, 3), "providers": seen}
    print(json.dumps(out), flush=True)
    if args.hold:
        time.sleep(args.hold)
        with lock:
            print(json.dumps({"providers": {k: list(v) for k, v in providers.items()}}), flush=True)
    if args.deregister:
        req = urllib.request.Request(args.registry, data=url.encode(), method="DELETE",
                                     headers={"Content-Type": "text/plain"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
        except OSError:
            code = 0
        print(json.dumps({"deregistered": code}), flush=True)


if __name__ == "__main__":
    main()
