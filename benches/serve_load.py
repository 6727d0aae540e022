#!/usr/bin/env python3
"""Load test of `borderscape serve` (issue 16): many clients, some pulling the largest layer.

Usage: benches/serve_load.py BINARY RESULTS_PROJECT [--clients 50] [--seconds 30] [--heavy 5]
                             [--slow-readers 0]

Starts BINARY serve on a free loopback port, then for --seconds runs --clients threads that
request /api/summary back to back, while --heavy of them instead pull the largest layer whole.
--slow-readers opens that many connections that request the largest layer and never read the
answer, and reports the server's peak RSS. Prints requests done and the p50/p99 latency of
/api/summary in ms. Standard library only; numbers of one machine, run outside CI.
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import threading
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("project")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--heavy", type=int, default=5)
    p.add_argument("--slow-readers", type=int, default=0)
    a = p.parse_args()

    server = subprocess.Popen([a.binary, "serve", a.project, "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        address = line.split("http://")[1].split("/")[0]
        host, port = address.rsplit(":", 1)
        port = int(port)

        def get(path):
            c = http.client.HTTPConnection(host, port, timeout=60)
            c.request("GET", path)
            body = c.getresponse().read()
            c.close()
            return body

        layers = json.loads(get("/api/layers"))
        names = [layer["name"] if isinstance(layer, dict) else layer for layer in
                 (layers["layers"] if isinstance(layers, dict) else layers)]
        largest = max(names, key=lambda n: len(get(f"/api/layers/{n}?limit=1000000")))
        heavy_path = f"/api/layers/{largest}?limit=1000000"

        peak = rss_mb(server.pid)
        if a.slow_readers:
            sockets, queued = [], 0
            for _ in range(a.slow_readers):
                # Past the server's connection limit and the kernel's listen queue a connect
                # waits: count those and go on.
                try:
                    s = socket.create_connection((host, port), timeout=2)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    s.sendall(f"GET {heavy_path} HTTP/1.1\r\nHost: {address}\r\n\r\n".encode())
                    sockets.append(s)
                except OSError:
                    queued += 1
                peak = max(peak, rss_mb(server.pid))
            end = time.time() + a.seconds
            while time.time() < end:
                peak = max(peak, rss_mb(server.pid))
                time.sleep(0.2)
            print(f"{a.slow_readers} slow readers of layer {largest} ({len(sockets)} connected, "
                  f"{queued} left waiting to connect): peak server RSS {peak:.0f} MB")
            for s in sockets:
                s.close()
            return

        latencies, done, stop = [], [0], time.time() + a.seconds
        lock = threading.Lock()

        errors = [0]

        def client(heavy):
            # The server closes a connection after 30 s whatever it is doing: reconnect then.
            c = http.client.HTTPConnection(host, port, timeout=60)
            while time.time() < stop:
                start = time.perf_counter()
                try:
                    c.request("GET", heavy_path if heavy else "/api/summary")
                    c.getresponse().read()
                except (http.client.HTTPException, OSError):
                    c.close()
                    c = http.client.HTTPConnection(host, port, timeout=60)
                    with lock:
                        errors[0] += 1
                    continue
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    done[0] += 1
                    if not heavy:
                        latencies.append(elapsed)

        threads = [threading.Thread(target=client, args=(i < a.heavy,)) for i in range(a.clients)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, rss_mb(server.pid))
            time.sleep(0.2)
        q = statistics.quantiles(latencies, n=100)
        print(f"{a.clients} clients ({a.heavy} pulling layer {largest}) for {a.seconds:.0f} s: "
              f"{done[0]} requests ({errors[0]} cut by the 30 s connection limit and retried), "
              f"/api/summary p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, peak server RSS {peak:.0f} MB")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
