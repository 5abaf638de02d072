/** TCP port checks for servers a grid starts: a free port to give one, and whether one is taken. */
import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP port free on host (default 127.0.0.1) now: listens on port 0, reads the port the
 * system chose, closes. Another process may take it before the server binds it; pass it on
 * soon.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = net.createServer();
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Whether something accepts TCP connections on host:port now: a connection is opened (and
 * closed at once) within timeoutMs (default 1000). Refused, unreachable, unresolvable or no
 * answer in time: false. host may be a URL's hostname: "[::1]" is read as ::1.
 */
export async function portInUse(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  // A URL's hostname keeps an IPv6 address in brackets ("[::1]"): the socket wants it bare.
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const socket = net.connect({ host: bare, port });
    const done = (inUse: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(inUse);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
