#!/usr/bin/env python3
# tap.py: a plain NATS subscriber (the client protocol over a socket, standard library only)
# that writes one line per message on SUBJECT: "<receive CLOCK_REALTIME ns> <partition> <ts>"
# taken from the action's JSON. run.sh's takeover case uses it to find the first action of a
# moved partition after the kill (lull-ticks scores actions but does not log them one by one).
# Usage: tap.py HOST PORT SUBJECT OUTFILE   (runs until killed)
import json, socket, sys, time

host, port, subject, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sock = socket.create_connection((host, port))
f = sock.makefile("rb")
f.readline()  # INFO
sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n'
             + b"SUB " + subject.encode() + b" 1\r\nPING\r\n")
with open(out, "w", buffering=1) as w:
    while True:
        line = f.readline()
        if not line:
            break
        now = time.time_ns()
        parts = line.split()
        if not parts:
            continue
        op = parts[0].upper()
        if op == b"PING":
            sock.sendall(b"PONG\r\n")
            continue
        if op not in (b"MSG", b"HMSG"):
            continue
        total = int(parts[-1])
        header_len = int(parts[-2]) if op == b"HMSG" else 0
        data = f.read(total + 2)[header_len:total]
        try:
            action = json.loads(data)
            w.write(f"{now} {action.get('partition', -1)} {action.get('ts', 0)}\n")
        except ValueError:
            w.write(f"{now} -1 0\n")
