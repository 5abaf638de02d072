/**
 * The search_documents ranking: term overlap between the query and each document, with
 * nothing learned and nothing random, so a query always gives the same list.
 *
 * Words are folded (lower case, accents stripped), split on anything that is not a letter
 * or a digit, stop words of English and French dropped, and a final "s" removed from words
 * longer than 3 letters ("clients" ≡ "client"). Score = for each distinct query word, 2 if
 * the document's title has it, plus 1 if its text has it. Documents scoring 0 are left out;
 * ties go by id.
 */
import type { DocumentFixture } from "./executor-data.js";

const STOP_WORDS = new Set(
  (
    "a an and are as at be by can do does for from how i in is it its me my of on or our please the this that " +
    "to what when where which who why will with within you your " +
    "au aux avec ce ces cet cette dans de des du elle en est et il je la le les leur ma mes mon ne nos notre " +
    "ou par pas pour qu que quel quelle quels quelles qui sa se ses son sont sous sur ta te tes ton tu un une " +
    "vos votre"
  ).split(" "),
);

/** Folds a text for matching: lower case, accents stripped. */
export function foldText(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
}

/** The search words of a text, in order (duplicates kept). */
export function searchWords(text: string): string[] {
  return foldText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2 && !STOP_WORDS.has(w))
    .map((w) => (w.length > 3 && w.endsWith("s") ? w.slice(0, -1) : w));
}

export interface SearchHit {
  id: string;
  title: string;
  score: number;
  snippet: string;
}

const SNIPPET_CHARS = 100;

/** The start of a text, cut at a word boundary. */
export function snippet(text: string, max = SNIPPET_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, "")}…`;
}

/** The `topK` best documents for `query`, best first. */
export function rankDocuments(documents: readonly DocumentFixture[], query: string, topK: number): SearchHit[] {
  const terms = [...new Set(searchWords(query))];
  if (terms.length === 0) return [];
  const scored = documents.map((d) => {
    const title = new Set(searchWords(d.title));
    const text = new Set(searchWords(d.text));
    let score = 0;
    for (const t of terms) score += (title.has(t) ? 2 : 0) + (text.has(t) ? 1 : 0);
    return { d, score };
  });
  return scored
    .filter((s) => s.score > 0)
    .sort((x, y) => y.score - x.score || (x.d.id < y.d.id ? -1 : x.d.id > y.d.id ? 1 : 0))
    .slice(0, topK)
    .map(({ d, score }) => ({ id: d.id, title: d.title, score, snippet: snippet(d.text) }));
}
