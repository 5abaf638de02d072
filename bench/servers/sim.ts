/**
 * The simulator in a child process of bench/load.ts, with its ground truth:
 * `node --import tsx bench/servers/sim.ts '<StartSimulatorOptions as JSON>'` (IPC channel).
 *
 * The server is startSimulator's (the same Simulator request handler on a node:http
 * server, same keep-alive), plus three timestamps per streamed response, all
 * high-resolution epoch ms, keyed by response id:
 *   - arrival: when the request's headers reached the server (the http 'request' event);
 *     the id is read from the response's first write (its role chunk);
 *   - written: when the simulator says it wrote the first token (`onFirstTokenWritten`,
 *     called right after its res.write());
 *   - flushed: when those bytes actually left for the kernel. node:http corks the socket on
 *     every res.write() and uncorks it on process.nextTick, so what a step writes leaves
 *     only once the whole step has been processed: `written` is early by up to that step's
 *     CPU time (milliseconds at hundreds of streams). `flushed` is taken right after the
 *     uncork that sends the first token (the socket's uncork, wrapped once per connection);
 *     it does not change when anything is sent.
 * Commands: `truth` (returns and clears all three), `stats` (the simulator's counters),
 * plus ipc.ts's `cpu` and `loop`.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { realClock, resolveSimOptions, Simulator, type StartSimulatorOptions } from "../../src/sim/index.js";
import { announceReady, epochNow, serveCommands } from "./ipc.js";

const given = JSON.parse(process.argv[2] ?? "{}") as StartSimulatorOptions;
let arrivals: [string, number][] = [];
let written: [string, number][] = [];
let flushed: [string, number][] = [];

/** Response id → its socket, from the first write until the first token leaves. */
const socketOf = new Map<string, Socket>();
/** Socket → the response whose first token it holds corked. */
const awaitingFlush = new Map<Socket, string>();
const wrapped = new WeakSet<Socket>();

function watchUncork(socket: Socket): void {
  if (wrapped.has(socket)) return;
  wrapped.add(socket);
  const uncork = socket.uncork;
  socket.uncork = function (this: Socket) {
    uncork.call(this);
    if (this.writableCorked === 0) {
      const id = awaitingFlush.get(this);
      if (id !== undefined) {
        awaitingFlush.delete(this);
        flushed.push([id, epochNow()]);
      }
    }
  };
}

const sim = new Simulator(resolveSimOptions(given), realClock, (id, at) => {
  written.push([id, at]);
  const socket = socketOf.get(id);
  socketOf.delete(id);
  if (!socket) return;
  if (socket.writableCorked === 0) flushed.push([id, epochNow()]);
  else awaitingFlush.set(socket, id);
});

const ID_RE = /^data: \{"id":"([^"]+)"/;
type Write = ServerResponse["write"];

const server = createServer((req, res) => {
  const arrived = epochNow();
  const write: Write = res.write;
  // The first body write of a streamed reply is its role chunk, which names the response id.
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    res.write = write;
    if (typeof chunk === "string") {
      const m = ID_RE.exec(chunk);
      if (m?.[1] !== undefined) {
        arrivals.push([m[1], arrived]);
        const socket = res.socket;
        if (socket) {
          watchUncork(socket);
          socketOf.set(m[1], socket);
        }
      }
    }
    return (write as (...a: unknown[]) => boolean).apply(this, [chunk, ...rest]);
  } as Write;
  sim.handle(req, res);
});
server.keepAliveTimeout = 5_000;

serveCommands({
  truth: () => {
    const out = { arrivals, written, flushed };
    arrivals = [];
    written = [];
    flushed = [];
    return out;
  },
  stats: () => sim.stats(),
});

server.listen(0, "127.0.0.1", () => announceReady((server.address() as AddressInfo).port));
