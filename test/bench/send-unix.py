#!/usr/bin/env python3
# Blocking unix datagram sender, like syslog(3): one datagram per line of the
# workload file. Blocks when the receiver's queue is full, as engines do.
# With a rate (lines/s) it paces itself to it, so that two receivers are
# compared at one load both can hold.
import socket, sys, time
path, workload = sys.argv[1], sys.argv[2]
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n = 0
t0 = time.monotonic()
with open(workload, 'rb') as f:
    for line in f:
        s.sendto(line.rstrip(b'\n'), path)
        n += 1
        if rate and n % 100 == 0:
            ahead = n / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
print(n)
