#!/usr/bin/env python3
"""Floods a real Guildhall server on loopback and prints what it costs it.

    python3 bench/scripts/flood.py login     [--n 150] [--hash-concurrency N] [--hash-queue N]
    python3 bench/scripts/flood.py slowloris [--n 2200] [--max-connections N] [--header-timeout S]
    python3 bench/scripts/flood.py register  [--n 200] [--no-rate-limits]
    (--old: a build from before these settings; --bin: which binary)

Each run starts its own server (target/release/guildhall, or --bin) on a free
port with a fresh SQLite file, so settings are passed as GUILDHALL_ variables.

login: registers one account, then sends --n wrong-password logins at once
(threads released together) and samples the server's resident memory
(VmRSS from /proc) before, at peak, and 2 s and 10 s after. Rate limits are
off unless --rate-limits, so the figure is the hashing bound alone.

slowloris: opens --n connections that each send half a request head and
then one more header line every 5 s, never finishing. Samples, every
second, the server's open file descriptors and how many of our connections
are still open, and times a normal GET /healthz alongside.

register: sends --n registrations (distinct names) from one address, one
after another as a script would, with the server's default rate limits
(or none, --no-rate-limits), and prints the answers, the time taken and the
resident memory; then checks a login from the first account still works.

Standard library only. Linux (reads /proc).
"""
import argparse, http.client, json, os, resource, select, socket, subprocess, sys, tempfile
import threading, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def start(args, env_extra):
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="guildhall-flood-")
    env = dict(os.environ)
    env.pop("GUILDHALL_CONFIG", None)
    env.update({
        "GUILDHALL_SERVER__LISTEN": f"127.0.0.1:{port}",
        "GUILDHALL_INSTANCE__DOMAIN": f"localhost:{port}",
        "GUILDHALL_DATABASE__URL": f"sqlite:{tmp}/g.db",
        "GUILDHALL_LOG__LEVEL": "error",
    })
    env.update(env_extra)
    proc = subprocess.Popen([os.path.abspath(args.bin), "serve"], env=env, cwd=tmp,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz"); c.getresponse().read(); c.close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill(); sys.exit("the server did not start")

def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))

def post_json(port, path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse(); r.read(); c.close()
    return r.status

def login_flood(args):
    # Only what is asked for, so a build from before these keys runs too.
    env = {}
    if args.hash_concurrency is not None:
        env["GUILDHALL_ACCOUNTS__PASSWORD_HASH_CONCURRENCY"] = str(args.hash_concurrency)
    if args.hash_queue is not None:
        env["GUILDHALL_ACCOUNTS__PASSWORD_HASH_QUEUE"] = str(args.hash_queue)
    if not args.old:
        env["GUILDHALL_RATE_LIMITS__ENABLED"] = "true" if args.rate_limits else "false"
    proc, port = start(args, env)
    try:
        post_json(port, "/api/v1/auth/register", {"username": "flood", "password": "correct horse battery"})
        time.sleep(1)
        before = status_kib(proc.pid, "VmRSS")
        gate = threading.Barrier(args.n)
        statuses = []
        def one():
            gate.wait()
            try:
                statuses.append(post_json(port, "/api/v1/auth/login", {"username": "flood", "password": "wrong password"}))
            except OSError as e:
                statuses.append(type(e).__name__)
        threads = [threading.Thread(target=one) for _ in range(args.n)]
        peak = before
        started = time.time()
        for t in threads: t.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, status_kib(proc.pid, "VmRSS")); time.sleep(0.02)
        took = time.time() - started
        after = {}
        for wait in (2, 10):
            time.sleep(wait - (2 if wait == 10 else 0))
            after[wait] = status_kib(proc.pid, "VmRSS")
        ok = post_json(port, "/api/v1/auth/login", {"username": "flood", "password": "correct horse battery"})
        counts = {s: statuses.count(s) for s in sorted(set(statuses), key=str)}
        print(json.dumps({
            "n": args.n, "hash_concurrency": args.hash_concurrency, "hash_queue": args.hash_queue,
            "rate_limits": args.rate_limits, "statuses": counts, "seconds": round(took, 2),
            "rss_mib": {"before": before // 1024, "peak": peak // 1024,
                         "after_2s": after[2] // 1024, "after_10s": after[10] // 1024},
            "hwm_mib": status_kib(proc.pid, "VmHWM") // 1024,
            "login_after": ok,
        }))
    finally:
        proc.terminate(); proc.wait()

def register_flood(args):
    env = {}
    if args.no_rate_limits:
        env["GUILDHALL_RATE_LIMITS__ENABLED"] = "false"
    proc, port = start(args, env)
    try:
        before = status_kib(proc.pid, "VmRSS")
        statuses = []
        started = time.time()
        for i in range(args.n):
            try:
                statuses.append(post_json(port, "/api/v1/auth/register",
                                          {"username": f"flood{i}", "password": "correct horse battery"}))
            except OSError as e:
                statuses.append(type(e).__name__)
        took = time.time() - started
        ok = post_json(port, "/api/v1/auth/login", {"username": "flood0", "password": "correct horse battery"})
        counts = {s: statuses.count(s) for s in sorted(set(statuses), key=str)}
        print(json.dumps({
            "n": args.n, "rate_limits": not args.no_rate_limits, "statuses": counts,
            "seconds": round(took, 2), "accounts_made": statuses.count(201),
            "rss_mib": {"before": before // 1024, "after": status_kib(proc.pid, "VmRSS") // 1024},
            "login_after": ok,
        }))
    finally:
        proc.terminate(); proc.wait()

def slowloris(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    env = {}
    if args.max_connections is not None:
        env["GUILDHALL_SERVER__MAX_CONNECTIONS"] = str(args.max_connections)
    if args.header_timeout is not None:
        env["GUILDHALL_SERVER__HEADER_TIMEOUT_SECS"] = str(args.header_timeout)
    proc, port = start(args, env)
    try:
        base_fds = fds(proc.pid)
        socks = []
        for i in range(args.n):
            s = socket.socket(); s.setblocking(False)
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            socks.append(s)
        time.sleep(0.5)
        for s in socks:
            try:
                s.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
            except OSError:
                pass
        def still_open():
            n = 0
            for s in socks:
                if s.fileno() < 0: continue
                try:
                    poller = select.poll()
                    poller.register(s, select.POLLIN | select.POLLHUP)
                    if poller.poll(0):
                        if s.recv(4096, socket.MSG_PEEK) == b"":
                            s.close(); continue
                    n += 1
                except OSError:
                    s.close()
            return n
        def probe():
            t = time.time()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                c.request("GET", "/healthz"); c.getresponse().read(); c.close()
                return round(time.time() - t, 2)
            except OSError as e:
                return type(e).__name__
        rows = []
        start_t = time.time()
        probe_result = [None]
        def run_probe(): probe_result[0] = probe()
        pt = threading.Thread(target=run_probe); pt.start()
        for sec in range(args.seconds):
            alive = still_open()
            rows.append({"t": sec, "server_fds": fds(proc.pid) - base_fds, "attack_conns_open": alive})
            if sec % 5 == 4:
                for s in socks:
                    if s.fileno() >= 0:
                        try: s.send(b"X-a: b\r\n")
                        except OSError: pass
            time.sleep(max(0, start_t + sec + 1 - time.time()))
        pt.join()
        print(json.dumps({"n": args.n, "max_connections": args.max_connections,
                          "header_timeout_secs": args.header_timeout, "baseline_fds": base_fds,
                          "healthz_during_attack_secs": probe_result[0], "timeline": rows}))
    finally:
        proc.terminate(); proc.wait()

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["login", "slowloris", "register"])
    p.add_argument("--bin", default="target/release/guildhall")
    p.add_argument("--n", type=int)
    p.add_argument("--old", action="store_true", help="a build without these keys: set none of them")
    p.add_argument("--hash-concurrency", type=int, help="default: the server's (0 = cores)")
    p.add_argument("--hash-queue", type=int, help="default: the server's (32)")
    p.add_argument("--rate-limits", action="store_true")
    p.add_argument("--no-rate-limits", action="store_true", help="register: turn the limits off")
    p.add_argument("--max-connections", type=int, help="default: the server's (512)")
    p.add_argument("--header-timeout", type=float, help="default: the server's (10 s)")
    p.add_argument("--seconds", type=int, default=30)
    args = p.parse_args()
    if args.mode == "login":
        args.n = args.n or 150; login_flood(args)
    elif args.mode == "register":
        args.n = args.n or 200; register_flood(args)
    else:
        args.n = args.n or 2200; slowloris(args)

if __name__ == "__main__":
    main()
