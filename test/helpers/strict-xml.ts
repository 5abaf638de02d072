/**
 * Two independent checks that a document is well-formed XML 1.0, for the JUnit tests:
 *
 * - parseStrictXml: a small strict parser in this file (no XML library is a dependency). It
 *   accepts the XML declaration, elements, attributes, text, the five predefined entities and
 *   character references, and nothing else (no DTD, comment, CDATA or processing instruction:
 *   the JUnit writer writes none), and it refuses every character XML 1.0 forbids, a `]]>` in
 *   text, a raw `<` or `&`, a reference to a forbidden character, a duplicate attribute, a
 *   mismatched or missing end tag. It applies the spec's line-end and attribute-value
 *   normalisation, so values read back as a conforming parser gives them.
 * - parseWithExpat: Python's expat (xml.etree.ElementTree), a conforming parser, when python3
 *   is on the machine (it is on every machine of this project's kind); undefined otherwise.
 */
import { spawnSync } from "node:child_process";

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

export class XmlError extends Error {}

function isChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function parseStrictXml(input: string): XmlElement {
  // Every character must be an XML Char (for..of walks code points: a lone surrogate is one).
  let offset = 0;
  for (const ch of input) {
    const c = ch.codePointAt(0)!;
    if (!isChar(c)) throw new XmlError(`forbidden character U+${c.toString(16).toUpperCase().padStart(4, "0")} at ${offset}`);
    offset += ch.length;
  }
  // 2.11: line ends normalised before parsing.
  const doc = input.replace(/\r\n?/g, "\n");
  let i = 0;
  const fail = (why: string): never => {
    throw new XmlError(`${why} at ${i}: ${JSON.stringify(doc.slice(Math.max(0, i - 20), i + 20))}`);
  };
  const ws = () => {
    while (i < doc.length && " \t\n\r".includes(doc[i]!)) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(doc);
    if (!m) fail("expected a name");
    i += m![0].length;
    return m![0];
  };
  const reference = (): string => {
    // doc[i] === "&"
    const end = doc.indexOf(";", i);
    if (end < 0) fail("unterminated reference");
    const body = doc.slice(i + 1, end);
    let out: string;
    if (/^#[0-9]+$/.test(body) || /^#x[0-9a-fA-F]+$/.test(body)) {
      const c = body[1] === "x" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!isChar(c)) fail(`reference to a forbidden character &${body};`);
      out = String.fromCodePoint(c);
    } else if (body in ENTITIES) out = ENTITIES[body]!;
    else out = fail(`unknown entity &${body};`);
    i = end + 1;
    return out;
  };
  const attrValue = (): string => {
    const q = doc[i];
    if (q !== '"' && q !== "'") fail("expected a quoted attribute value");
    i++;
    let v = "";
    for (;;) {
      if (i >= doc.length) fail("unterminated attribute value");
      const c = doc[i]!;
      if (c === q) {
        i++;
        return v;
      }
      if (c === "<") fail("'<' in an attribute value");
      if (c === "&") v += reference();
      else {
        // 3.3.3: a literal white-space character becomes a space.
        v += c === "\t" || c === "\n" || c === "\r" ? " " : c;
        i++;
      }
    }
  };
  const element = (): XmlElement => {
    if (doc[i] !== "<") fail("expected '<'");
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [] };
    for (;;) {
      const before = i;
      ws();
      if (doc.startsWith("/>", i)) {
        i += 2;
        return el;
      }
      if (doc[i] === ">") {
        i++;
        break;
      }
      if (i === before) fail("expected white space before an attribute");
      const a = name();
      ws();
      if (doc[i] !== "=") fail("expected '='");
      i++;
      ws();
      if (a in el.attrs) fail(`duplicate attribute ${a}`);
      el.attrs[a] = attrValue();
    }
    let text = "";
    const flush = () => {
      if (text !== "") el.children.push(text);
      text = "";
    };
    for (;;) {
      if (i >= doc.length) fail(`missing </${el.name}>`);
      const c = doc[i]!;
      if (c === "<") {
        if (doc.startsWith("</", i)) {
          i += 2;
          const closing = name();
          if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
          ws();
          if (doc[i] !== ">") fail("expected '>'");
          i++;
          flush();
          return el;
        }
        if (doc.startsWith("<!", i) || doc.startsWith("<?", i)) fail("comment, CDATA, DTD or processing instruction (the writer writes none)");
        flush();
        el.children.push(element());
      } else if (c === "&") text += reference();
      else {
        if (doc.startsWith("]]>", i)) fail("']]>' in text");
        text += c;
        i++;
      }
    }
  };
  const DECL = '<?xml version="1.0" encoding="UTF-8"?>';
  if (!doc.startsWith(DECL)) fail("expected the XML declaration");
  i = DECL.length;
  ws();
  const root = element();
  ws();
  if (i !== doc.length) fail("content after the root element");
  return root;
}

/** Elements named `name` anywhere under `el` (itself included), in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = el.name === name ? [el] : [];
  for (const c of el.children) if (typeof c !== "string") out.push(...findAll(c, name));
  return out;
}

/** The text inside an element. */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
}

/** What expat read: every element's tag, attributes and own text, in document order. */
export interface ExpatElement {
  tag: string;
  attrs: Record<string, string>;
  text: string;
}

const EXPAT_SCRIPT = `
import sys, json, xml.etree.ElementTree as ET
def parse(doc):
    try:
        root = ET.fromstring(doc.encode("utf-8"))
    except ET.ParseError as e:
        return {"error": str(e)}
    return {"elements": [{"tag": el.tag, "attrs": dict(el.attrib), "text": el.text or ""} for el in root.iter()]}
docs = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(json.dumps([parse(d) for d in docs]))
`;

export type ExpatResult = { elements: ExpatElement[] } | { error: string };

/**
 * Parses each document with Python's expat, in one python3 process: { elements } or { error }
 * each; undefined when python3 cannot be run. The documents travel as JSON (a forbidden
 * character travels as an escape and reaches expat as it is).
 */
export function parseManyWithExpat(docs: readonly string[]): ExpatResult[] | undefined {
  const r = spawnSync("python3", ["-c", EXPAT_SCRIPT], { input: Buffer.from(JSON.stringify(docs), "utf8"), maxBuffer: 256 * 1024 * 1024 });
  if (r.error || r.status !== 0) return undefined;
  return JSON.parse(r.stdout.toString("utf8")) as ExpatResult[];
}

/** One document through expat (parseManyWithExpat). */
export function parseWithExpat(xml: string): ExpatResult | undefined {
  return parseManyWithExpat([xml])?.[0];
}
