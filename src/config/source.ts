/**
 * Where a value of a suite came from, so that an error can point at it: a node of a
 * YAML file (file:line:col), a `--set` assignment, a command-line flag, or nothing
 * (a suite built in code). Paths are zod issue paths: keys and array indexes.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export type ConfigPath = readonly PropertyKey[];

export interface Position {
  line: number;
  col: number;
  /** Character offset in the text, for sorting. */
  offset: number;
}

/** A place an error can point at: a file position, or a label such as `--set x=1`. */
export interface Location {
  /** Printed before the message: `suite.yaml:7:12`, `--set conversation.turns=0`, `suite.yaml`. */
  where: string;
  file?: string;
  position?: Position;
  /** Sort key among locations without a position (overrides, in the order given). */
  order?: number;
}

/** Maps a path of the suite object to the place that wrote it. */
export interface Provenance {
  readonly label: string;
  /**
   * `at: "key"`: the key of the last segment (unknown keys); `"value"`: the value node;
   * `"parent"`: the mapping holding the last segment (missing keys).
   */
  locate(path: ConfigPath, at: "key" | "value" | "parent"): Location;
  /** The path as the user wrote it, when the suite was reshaped (--scenario keeps some scenarios). */
  displayPath?(path: ConfigPath): ConfigPath;
}

/** A suite with no file behind it (built in code): every location is the label. */
export function labelOnly(label: string): Provenance {
  return { label, locate: () => ({ where: label }) };
}

/** Positions in one parsed YAML document. */
export class YamlProvenance implements Provenance {
  constructor(
    readonly label: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  locate(path: ConfigPath, at: "key" | "value" | "parent"): Location {
    const position = this.position(path, at);
    if (!position) return { where: this.label, file: this.label };
    return { where: `${this.label}:${position.line}:${position.col}`, file: this.label, position };
  }

  /** The position of the node at `path`, or of its nearest ancestor present in the file. */
  position(path: ConfigPath, at: "key" | "value" | "parent"): Position | undefined {
    const target = at === "parent" ? path.slice(0, -1) : path;
    let node: Node | null | undefined = this.doc.contents as Node | null;
    let best: Node | null | undefined = node;
    for (let i = 0; i < target.length; i++) {
      node = this.deref(node);
      const seg = target[i];
      const last = i === target.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) break;
        if (last && at === "key" && isNodeWithRange(pair.key)) return this.pos(pair.key);
        const value = pair.value as Node | null;
        const empty = isScalar(value) && value.value === null && value.range?.[0] === value.range?.[1];
        if (!value || !isNodeWithRange(value) || empty) {
          // `key:` with no value: point at the key.
          if (isNodeWithRange(pair.key)) best = pair.key as Node;
          break;
        }
        node = value;
        best = node;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg] as Node | undefined;
        if (!item || !isNodeWithRange(item)) break;
        node = item;
        best = node;
      } else {
        break;
      }
    }
    return best && isNodeWithRange(best) ? this.pos(best) : undefined;
  }

  private deref(node: Node | null | undefined): Node | null | undefined {
    if (node && isAlias(node)) return node.resolve(this.doc) as Node | undefined;
    return node;
  }

  private pos(node: Node): Position | undefined {
    const offset = node.range?.[0];
    return offset === undefined ? undefined : positionAt(this.lines, offset);
  }
}

/** 1-based line and column of a character offset. */
export function positionAt(lines: LineCounter, offset: number): Position {
  const { line, col } = lines.linePos(offset);
  // linePos reports line 0 before the first recorded line start.
  return line === 0 ? { line: 1, col: offset + 1, offset } : { line, col, offset };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function isNodeWithRange(node: unknown): node is Node {
  return typeof node === "object" && node !== null && Array.isArray((node as Node).range);
}

/** `scenarios[0].turns`, `target.timeouts.total_ms`; `(suite)` for the root. */
export function formatPath(path: ConfigPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out === "" ? "(suite)" : out;
}
