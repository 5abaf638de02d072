/**
 * CPU time instead of wall time, for tests that bound how long a computation takes (a parser
 * that must be linear, a file that must not be read). Wall time counts every other process on
 * the machine; this process's CPU time does not, so a busy machine cannot fail such a test.
 */

/** Starts a stopwatch of this process's CPU time (user + system, all its threads); returns ms so far. */
export function cpuStopwatch(): () => number {
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
}
