#!/usr/bin/python3
"""A loopback TCP proxy that adds a fixed one-way delay in both directions.

    latency-proxy.py --port-file F --target HOST:PORT --delay MS [--port P]

Every byte that arrives from one side is written to the other side DELAY
milliseconds after it arrived, in both directions, so a request and its
answer cost one round trip of 2 x DELAY more than on plain loopback - the
network between a cluster and its store, or its API server, on one
machine (tc netem needs privileges this does not).

Pipelined: reading never waits for the delay.  Each direction of each
connection has a reader that stamps every chunk with its due time and a
writer that sends the chunks in order when they are due, so any number of
requests can be in flight at once on any number of connections.  The
proxy never looks inside the stream: TLS and HTTP/2 pass through
untouched.  A connection to the target is opened per client connection
(the TCP handshake is not delayed: only data is); an end of stream from
one side is passed on, after the delay, as a half-close.

Python 3 stdlib only; listens on 127.0.0.1 (an ephemeral port unless
--port), writes the port to F once it accepts; SIGTERM or SIGINT stops it.
Statistics (connections, bytes) go to stderr when it stops.
"""

import argparse
import asyncio
import collections
import os
import signal
import socket
import sys

CHUNK = 256 * 1024          # one read
BACKLOG = 1024
HIGH_WATER = 4 * 1024 * 1024     # queued bytes of one direction before reads pause


class Stats:
    def __init__(self):
        self.connections = 0
        self.bytes = [0, 0]     # client->target, target->client


async def pump(reader, writer, delay, stats, direction):
    """Copy reader to writer, each chunk delay seconds after it arrived."""
    loop = asyncio.get_running_loop()
    queue = collections.deque()
    queued = 0
    more = asyncio.Event()
    room = asyncio.Event()
    room.set()
    eof = False

    async def send():
        try:
            await send_all()
        finally:
            room.set()      # a reader waiting for room must not wait for ever

    async def send_all():
        nonlocal queued
        while True:
            while not queue:
                if eof:
                    return
                more.clear()
                await more.wait()
            due, data = queue[0]
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            queue.popleft()
            if data is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            queued -= len(data)
            if queued < HIGH_WATER:
                room.set()
            await writer.drain()

    sender = asyncio.ensure_future(send())
    try:
        while True:
            await room.wait()
            if sender.done():
                break
            data = await reader.read(CHUNK)
            due = loop.time() + delay
            if not data:
                queue.append((due, None))
                eof = True
                more.set()
                break
            stats.bytes[direction] += len(data)
            queue.append((due, data))
            queued += len(data)
            if queued >= HIGH_WATER:
                room.clear()
            more.set()
        await sender
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass
    finally:
        if not sender.done():
            sender.cancel()


async def serve(client_r, client_w, target, delay, stats):
    stats.connections += 1
    try:
        target_r, target_w = await asyncio.open_connection(*target)
    except OSError:
        client_w.close()
        return
    for w in (client_w, target_w):
        sock = w.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        await asyncio.gather(pump(client_r, target_w, delay, stats, 0),
                             pump(target_r, client_w, delay, stats, 1))
    finally:
        for w in (client_w, target_w):
            try:
                w.close()
            except OSError:
                pass


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


async def main(args):
    host, _, port = args.target.rpartition(":")
    target = (host or "127.0.0.1", int(port))
    delay = args.delay / 1000.0
    stats = Stats()
    server = await asyncio.start_server(
        lambda r, w: serve(r, w, target, delay, stats),
        "127.0.0.1", args.port, backlog=BACKLOG, limit=CHUNK)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    write_port_file(args.port_file, server.sockets[0].getsockname()[1])
    await stop.wait()
    server.close()
    sys.stderr.write("latency-proxy: %d connections, %d bytes up, %d bytes down\n"
                     % (stats.connections, stats.bytes[0], stats.bytes[1]))
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--target", required=True, help="HOST:PORT")
    p.add_argument("--delay", type=float, required=True,
                   help="one-way delay in milliseconds (0 to 10000)")
    args = p.parse_args(argv)
    if not 0 <= args.delay <= 10000:
        p.error("--delay must be in 0..10000 ms")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
