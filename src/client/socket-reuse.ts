/**
 * Which connection a request went out on: fresh, or one kept alive from an earlier request.
 *
 * Servers such as llama.cpp's llama-server answer `Keep-Alive: timeout=5` but close the
 * connection after every streamed response. A request written onto such a socket in the
 * moment before its close arrives fails with "other side closed" before any byte comes
 * back: it never reached the server, and is not the server's failure. To tell that case
 * from a server that dies on a request, the client needs to know whether the socket had
 * carried a request before. undici publishes each request's creation and the socket its
 * headers are written to on diagnostics channels; this module counts requests per socket.
 *
 * traceSocket(fn) calls fn (which must create exactly one undici request synchronously, as
 * Dispatcher.request does) and returns a trace that says, once the headers are written,
 * whether the socket was reused.
 */
import { subscribe } from "node:diagnostics_channel";

export interface SocketTrace {
  /** True when the socket had carried an earlier request; undefined until the headers are written. */
  reused?: boolean;
}

/** Requests written on each socket. */
const uses = new WeakMap<object, number>();
/** The trace of each undici request created inside traceSocket. */
const traces = new WeakMap<object, SocketTrace>();
let capturing: SocketTrace | undefined;
let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe("undici:request:create", (msg) => {
    if (capturing === undefined) return;
    traces.set((msg as { request: object }).request, capturing);
    capturing = undefined;
  });
  subscribe("undici:client:sendHeaders", (msg) => {
    const { request, socket } = msg as { request: object; socket: object };
    const before = uses.get(socket) ?? 0;
    uses.set(socket, before + 1);
    const trace = traces.get(request);
    if (trace !== undefined) trace.reused = before > 0;
  });
}

/** Runs `fn`, tracing the socket of the one request it creates. */
export function traceSocket<T>(fn: () => T): { result: T; trace: SocketTrace } {
  subscribeOnce();
  const trace: SocketTrace = {};
  capturing = trace;
  try {
    return { result: fn(), trace };
  } finally {
    capturing = undefined;
  }
}
