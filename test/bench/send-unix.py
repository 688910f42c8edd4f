#!/usr/bin/env python3
# Blocking unix datagram sender, like syslog(3): one datagram per line of the
# workload file. Blocks when the receiver's queue is full, as engines do.
import socket, sys
path, workload = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n = 0
with open(workload, 'rb') as f:
    for line in f:
        s.sendto(line.rstrip(b'\n'), path)
        n += 1
print(n)
