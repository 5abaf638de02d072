/**
 * The words of the consolidated report's "Phase 3" section (a grid of server configurations),
 * in English and French: part of `Messages` (i18n.ts: `m.grid`). The grid's analysis
 * (src/grid) decides; these functions only word its findings, recommendations and champion
 * from their data, with the language's number formats (Fmt). Cell labels come from the grid
 * file: they are always pieces from `cell(id)` (code spans), never text of ours.
 */
import type { GridAnalysis, GridChampion, GridFigure, GridPair, GridRecommendation, GridUseCase, NoDifferenceReason } from "../../grid/compare-types.js";
import { winnerView } from "../../grid/compare-sentences.js";
import { findPair } from "../../grid/recommend.js";
import type { Inline } from "../md.js";
import type { Fmt } from "./format.js";

export interface GridWordsCtx {
  a: GridAnalysis;
  /** A cell as a piece (a code span of its label). */
  cell(id: string): Inline;
}

export interface GridMessages {
  /** Heading of the section: "Phase 3 — comparison of server configurations: grid `name`". */
  title(name: Inline): Inline[];
  intro(a: { cells: number; repeats: number; measured: number; failed: number; suite: Inline }): Inline;
  cell: string;
  figuresNote(confidence: number): Inline;
  failedTitle: string;
  failedIntro: Inline;
  findingsTitle: string;
  noFinding: Inline;
  otherPairs(n: number): Inline;
  recTitle: string;
  championTitle: string;
  method(a: { alpha: number; repeats: number }): Inline;
  links(a: { folder: Inline; md?: Inline; html?: Inline }): Inline;
  /** Context: the grids joined in the report. */
  contextLine(a: { grids: number; names: Inline[] }): Inline;
  /** The overall paragraph when the report holds grids only (no run folder). */
  overallGridsOnly(a: { grids: number; measured: boolean; exitCode: number }): Inline;
  figureLabel(f: GridFigure): string;
  pair(p: GridPair, c: GridWordsCtx): Inline[];
  recommendation(r: GridRecommendation, c: GridWordsCtx): Inline[];
  champion(ch: GridChampion, c: GridWordsCtx): Inline[];
}

/** The fragments a language supplies; the sentences' logic is shared. */
interface Words {
  figure: Record<string, string>;
  /** The figure as a sentence names it (French adds its article: "le TTFT p90"). */
  inSentence(figure: string, label: string): string;
  /** A figure of one scenario of several: "p90 TTFT in scenario load". */
  inScenario(what: string, scenario: string): string;
  probeHit(probe: string): string;
  faster(a: { w: Inline; l: Inline; mag: string; what: string; ev: string }): Inline[];
  better(a: { w: Inline; l: Inline; mag: string; higher: boolean; what: string; ev: string }): Inline[];
  neutral(a: { w: Inline; l: Inline; mag: string; higher: boolean; what: string; ev: string }): Inline[];
  noDifference(a: { a: Inline; b: Inline; what: string; why: string }): Inline[];
  notTested(a: { a: Inline; b: Inline; what: string; why: string }): Inline[];
  ci(a: { conf: string; lo: string; hi: string }): string;
  every: string;
  everyBoth(k: number, planned: number): string;
  one(planned: number): string;
  points(v: string): string;
  reason(r: NoDifferenceReason): string;
  useCase: Record<GridUseCase, string>;
  kind(kind: string): string;
  notMeasured(kind: string): string;
  noData: string;
  choose(cell: Inline): Inline[];
  beatsAll: string;
  secondaryBetter(what: string, v: string, w: string): string;
  secondaryWorse(what: string, v: string, w: string): string;
  secondaryTie(what: string, v: string): string;
  only(cell: Inline, what: string, v: string): Inline[];
  tie(a: { cells: Inline[]; what: string; best: Inline; other: Inline; why: string }): Inline[];
  tieSecondary(what: string, cell: Inline, v: string): Inline[];
  excluded(what: string, cells: Inline[]): Inline[];
  qualityKept(what: string): string;
  and: string;
  champion(cell: Inline): Inline[];
  noChampion: Record<"no_objective" | "no_cells", string>;
  singleCell(cell: Inline): Inline[];
  noDominant(front: Inline[]): Inline[];
  colon: string;
}

function list(items: readonly Inline[], and: string): Inline[] {
  return items.flatMap((x, i) => [i === 0 ? "" : i === items.length - 1 ? ` ${and} ` : ", ", x]);
}

function build(f: Fmt, w: Words, base: Omit<GridMessages, "figureLabel" | "pair" | "recommendation" | "champion">): GridMessages {
  const label = (g: GridFigure): string => {
    const hit = /^ttft_hit\.(.+)\.p50$/.exec(g.figure);
    return hit ? w.probeHit(hit[1]!) : (w.figure[g.figure] ?? g.label);
  };
  const what = (g: GridFigure, a: GridAnalysis): string => {
    const l = w.inSentence(g.figure, label(g));
    return a.suite.scenarios.length > 1 ? w.inScenario(l, g.scenario) : l;
  };
  const pct = (x: number) => f.pct(x);
  const mag = (x: number, points: boolean) => (points ? w.points(f.num(x * 100, 1)) : pct(x));
  const pValue = (p: number | undefined) => (p === undefined ? "p —" : p < 0.001 ? `p < ${f.num(0.001, 3)}` : `p = ${f.num(p, 3, 3)}`);
  const repeats = (p: GridPair, planned: number) => {
    const k = p.repeats.length;
    if (k <= 1) return w.one(planned);
    return k >= planned ? w.every : w.everyBoth(k, planned);
  };
  const pair = (p: GridPair, c: GridWordsCtx): Inline[] => {
    const g = c.a.figures.find((x) => x.key === p.figure);
    if (!g) return [c.cell(p.a), ` ${w.and} `, c.cell(p.b), `${w.colon}${p.figure}.`];
    const wt = what(g, c.a);
    if (!p.beyondNoise) {
      const why = p.reason ? w.reason(p.reason) : "";
      if (p.reason?.code === "not_tested" || (p.reason?.code === "too_few_repeats" && p.reason.minP === undefined)) return w.notTested({ a: c.cell(p.a), b: c.cell(p.b), what: wt, why });
      return w.noDifference({ a: c.cell(p.a), b: c.cell(p.b), what: wt, why });
    }
    const v = winnerView(p, g);
    if (!v) return w.noDifference({ a: c.cell(p.a), b: c.cell(p.b), what: wt, why: "" });
    const conf = f.pct(c.a.confidence);
    const ci = v.ci ? w.ci({ conf, lo: f.num(v.ci.lower * 100, 1), hi: v.points ? w.points(f.num(v.ci.upper * 100, 1)) : pct(v.ci.upper) }) : "";
    const ev = `(${ci}${pValue(p.pAdjusted ?? p.pValue)}${repeats(p, c.a.repeats)})`;
    const args = { w: c.cell(v.winner), l: c.cell(v.loser), mag: mag(v.magnitude, v.points), higher: v.higher, what: wt, ev };
    if (g.direction === "neutral") return w.neutral(args);
    if (g.timing && !v.points) return w.faster(args);
    return w.better(args);
  };
  const valueOf = (c: GridWordsCtx, cell: string, key: string): number | undefined => c.a.cells.find((x) => x.id === cell)?.figures.find((x) => x.figure === key)?.value;
  const recommendation = (r: GridRecommendation, c: GridWordsCtx): Inline[] => {
    const title = `${w.useCase[r.useCase]}${w.colon}`;
    if (r.status === "not_measured") return [title, w.notMeasured(w.kind(r.useCase))];
    const g = c.a.figures.find((x) => x.key === r.figure);
    if (r.status === "no_data" || !g) return [title, w.noData];
    const wt = what(g, c.a);
    const val = (cell: string) => f.metric(valueOf(c, cell, g.key), g.unit);
    const q = c.a.figures.find((x) => x.key === r.qualityFigure);
    const quality: Inline[] = r.excluded?.length ? w.excluded(q ? what(q, c.a) : "score", r.excluded.map((x) => c.cell(x))) : q ? [w.qualityKept(what(q, c.a))] : [];
    const sec = r.secondary;
    const sg = sec ? c.a.figures.find((x) => x.key === sec.figure) : undefined;
    if (r.status === "winner") {
      const p = findPair(c.a.pairs, g.key, r.cells[0]!, r.against!);
      const s = p ? pair(p, c) : [c.cell(r.cells[0]!)];
      const last = s[s.length - 1];
      const body = typeof last === "string" && last.endsWith(".") ? [...s.slice(0, -1), last.slice(0, -1)] : s;
      const out: Inline[] = [title, ...w.choose(c.cell(r.cells[0]!)), ...body, c.a.cells.filter((x) => x.status === "measured").length - (r.excluded?.length ?? 0) > 2 ? w.beatsAll : "."];
      if (sec && sg) {
        const v = f.metric(sec.value, sg.unit);
        const o = f.metric(sec.otherValue, sg.unit);
        out.push(sec.outcome === "better" ? w.secondaryBetter(what(sg, c.a), v, o) : sec.outcome === "worse" ? w.secondaryWorse(what(sg, c.a), v, o) : w.secondaryTie(what(sg, c.a), v));
      }
      return [...out, ...quality];
    }
    if (r.cells.length === 1) return [title, ...w.only(c.cell(r.cells[0]!), wt, val(r.cells[0]!)), ...quality];
    const best = r.cells[0]!;
    const other = r.against ?? r.cells[1]!;
    const p = findPair(c.a.pairs, g.key, best, other);
    const out: Inline[] = [
      title,
      ...w.tie({ cells: r.cells.map((x): Inline => [c.cell(x), ` (${val(x)})`]), what: wt, best: c.cell(best), other: c.cell(other), why: p?.reason ? w.reason(p.reason) : "" }),
    ];
    if (sec && sg) out.push(...w.tieSecondary(what(sg, c.a), c.cell(sec.cell), f.metric(sec.value, sg.unit)));
    return [...out, ...quality];
  };
  const champion = (ch: GridChampion, c: GridWordsCtx): Inline[] => {
    if (ch.cell !== undefined) return w.champion(c.cell(ch.cell));
    if (ch.why === "single_cell") {
      const only = c.a.cells.find((x) => x.status === "measured");
      return w.singleCell(only ? c.cell(only.id) : "—");
    }
    if (ch.why === "no_dominant") return w.noDominant(list(c.a.pareto.front.map((x) => c.cell(x)), w.and));
    return [w.noChampion[ch.why === "no_objective" ? "no_objective" : "no_cells"]];
  };
  return { ...base, figureLabel: label, pair, recommendation, champion };
}

export function gridMessagesEn(f: Fmt): GridMessages {
  const w: Words = {
    // English names are the analysis's own (GridFigure.label).
    figure: {},
    probeHit: (p) => `p50 TTFT of cache hits (probe ${p})`,
    inSentence: (_figure, label) => label,
    inScenario: (what, sc) => `${what} in scenario ${sc}`,
    faster: (a) => [a.w, ` is ${a.mag} faster than `, a.l, ` on ${a.what} ${a.ev}.`],
    better: (a) => [a.w, " is better than ", a.l, ` on ${a.what}: ${a.mag} ${a.higher ? "higher" : "lower"} ${a.ev}.`],
    neutral: (a) => [a.w, ` is ${a.mag} ${a.higher ? "higher" : "lower"} than `, a.l, ` on ${a.what} ${a.ev}.`],
    noDifference: (a) => [a.a, " and ", a.b, `: no difference beyond noise on ${a.what}${a.why ? ` (${a.why})` : ""}.`],
    notTested: (a) => [a.a, " and ", a.b, `: ${a.what} not tested${a.why ? ` (${a.why})` : ""}.`],
    ci: (a) => `${a.conf} CI ${a.lo} to ${a.hi}, `,
    every: ", every repeat",
    everyBoth: (k, n) => `, every repeat both cells have (${k} of ${n})`,
    one: (n) => (n <= 1 ? "; one repeat: drift of the machine between cells not measured" : "; one repeat both cells have: drift of the machine between cells not measured"),
    points: (v) => `${v} points`,
    reason: (r) => {
      switch (r.code) {
        case "not_significant":
          return r.pAdjusted !== undefined && r.pAdjusted < r.alpha && r.intervalHoldsZero ? "the interval of the change includes 0" : `not significant: p = ${f.num(r.pAdjusted, 3, 3)} after Holm's adjustment`;
        case "inconsistent_repeats":
          return `significant but not the same way in every repeat (${r.against} of ${r.repeats} the other way)`;
        case "within_noise":
          return `smaller than the difference between two repeats of one cell (±${r.points ? `${f.num(r.floor * 100, 1)} points` : f.pct(r.floor)})`;
        case "too_few_repeats":
          return r.minP !== undefined
            ? `too few repeats to test: with ${r.values} values per cell the smallest possible p ${r.pairs ? `after Holm's adjustment over ${r.pairs} pairs ` : ""}is ${f.num(r.minP, 3, 3)}`
            : `too few repeats to test: ${r.values} value${r.values === 1 ? "" : "s"} per cell, at least 3 needed`;
        case "not_tested":
          return `not tested: ${r.why}`;
      }
    },
    useCase: { agents: "Agent conversations", reasoning: "Long reasoning", tools: "Tool calling", load: "High load" },
    kind: (u) => ({ agents: "conversation", reasoning: "reasoning", tools: "tools", load: "load" })[u as GridUseCase] ?? u,
    notMeasured: (k) => `not measured: the suite has no ${k} scenario.`,
    noData: "no cell measured it.",
    choose: (cell) => ["choose ", cell, ": "],
    beatsAll: "; it beats every other cell beyond noise too.",
    secondaryBetter: (what, v, o) => ` It is also better on ${what} (${v} against ${o}, beyond noise).`,
    secondaryWorse: (what, v, o) => ` But it is worse on ${what} (${v} against ${o}, beyond noise).`,
    secondaryTie: (what, v) => ` Its ${what} is ${v} (no difference beyond noise with the runner-up).`,
    only: (cell, what, v) => ["only ", cell, ` measured ${what} (${v}): nothing to compare it with.`],
    tie: (a) => [...list(a.cells, "and"), ` tie on ${a.what}: the best value, `, a.best, ", does not beat ", a.other, ` beyond noise${a.why ? ` (${a.why})` : ""}, so no winner is named.`],
    tieSecondary: (what, cell, v) => [` On ${what}, `, cell, ` is better beyond noise than the other tied cells (${v}).`],
    excluded: (what, cells) => [` Left out first for a ${what} worse beyond noise than the best: `, ...list(cells, "and"), "."],
    qualityKept: (what) => ` Every cell's ${what} is within noise of the best, so speed decides.`,
    and: "and",
    champion: (cell) => ["Champion: ", cell, " dominates every other cell: better beyond noise on at least one objective against each, and worse beyond noise on none."],
    noChampion: { no_objective: "No champion: the suite gives no figure to rank the cells on.", no_cells: "No champion: no cell was measured." },
    singleCell: (cell) => ["No champion: only one cell was measured (", cell, ")."],
    noDominant: (front) => ["No champion: no cell dominates every other. The Pareto front holds ", ...front, "."],
    colon: ": ",
  };
  return build(f, w, {
    title: (name) => ["Phase 3 — comparison of server configurations: grid ", name],
    intro: (a) => [
      `${a.cells} server configuration${a.cells === 1 ? "" : "s"} (cells), each running suite `,
      a.suite,
      ` ${a.repeats} time${a.repeats === 1 ? "" : "s"}, the visits interleaved so that a drift of the machine is not mistaken for a configuration's effect; ${a.measured} cell${a.measured === 1 ? "" : "s"} measured${a.failed ? `, ${a.failed} failed` : ""}.`,
    ],
    cell: "Cell",
    figuresNote: (c) => `Each value pools the cell's measured visits, with its ${f.pct(c)} interval in brackets and n, what it rests on.`,
    failedTitle: "Failed cells (reasons as the grid recorded them, in English)",
    failedIntro: "These cells measured nothing and are left out of every comparison.",
    findingsTitle: "Differences beyond noise",
    noFinding: "No pair of cells differs beyond noise on any figure.",
    otherPairs: (n) => `${n} other pair${n === 1 ? "" : "s"} of cells and figure: no difference beyond noise, or not tested (the grid's report lists each with its reason).`,
    recTitle: "Recommendations from the grid",
    championTitle: "Champion",
    method: (a) =>
      `A difference between two cells is reported only when its test is significant at alpha = ${f.num(a.alpha, 3)} after Holm's adjustment over the pairs of cells, it goes the same way in every repeat, and its interval lies beyond the largest difference between two repeats of one cell${a.repeats <= 1 ? " (one repeat here: drift of the machine between cells not measured)" : ""}; otherwise it is "no difference beyond noise".`,
    links: (a) => ["The grid's folder: ", a.folder, a.md ? ["; its report: ", a.md] : "", a.html ? [" and ", a.html] : "", "."],
    contextLine: (a) => [`The report also joins ${a.grids} grid${a.grids === 1 ? "" : "s"} of server configurations (`, ...list(a.names, "and"), "), compared in section 3 (Phase 3)."],
    overallGridsOnly: (a) =>
      a.measured
        ? `A comparison of server configurations (${a.grids} grid${a.grids === 1 ? "" : "s"}): its findings are in section 3; each cell's own verdicts are in its runs' reports. Exit code ${a.exitCode}.`
        : `A comparison of server configurations in which no cell measured anything. Exit code ${a.exitCode}.`,
  });
}

export function gridMessagesFr(f: Fmt): GridMessages {
  const c = "\u00a0: ";
  const w: Words = {
    figure: {
      "ttft.continued.p50": "TTFT p50 des tours suivants",
      "ttft.first_turn.p50": "TTFT p50 des premiers tours",
      "ttft.p90": "TTFT p90",
      "e2e.p50": "latence de bout en bout p50",
      "tpot.p50": "temps par token de sortie p50",
      "output_tps.p50": "tokens de sortie par seconde et par requête p50",
      "degradation.ttft": "dégradation du TTFT au fil des tours",
      "score.mean": "score moyen",
      call_accuracy: "précision des appels d'outils",
      throughput: "débit",
      goodput: "goodput",
      max_throughput: "débit maximal",
      max_goodput: "goodput maximal",
      max_concurrency_within_thresholds: "sessions simultanées au plus dans les seuils",
    },
    probeHit: (p) => `TTFT p50 des succès de cache (sonde ${p})`,
    inScenario: (what, sc) => `${what} du scénario ${sc}`,
    inSentence: (figure, label) => {
      const feminine = /^(e2e\.|degradation\.|call_accuracy)/.test(figure);
      const plural = /^(output_tps\.|max_concurrency_within_thresholds)/.test(figure);
      return `${plural ? "les" : feminine ? "la" : "le"} ${label}`;
    },
    faster: (a) => [a.w, ` est plus rapide que `, a.l, ` de ${a.mag} sur ${a.what} ${a.ev}.`],
    better: (a) => [a.w, " est meilleure que ", a.l, ` sur ${a.what}${c}${a.mag} de ${a.higher ? "plus" : "moins"} ${a.ev}.`],
    neutral: (a) => [a.w, ` est ${a.higher ? "plus haute" : "plus basse"} que `, a.l, ` de ${a.mag} sur ${a.what} ${a.ev}.`],
    noDifference: (a) => [a.a, " et ", a.b, `${c}pas de différence au-delà du bruit sur ${a.what}${a.why ? ` (${a.why})` : ""}.`],
    notTested: (a) => [a.a, " et ", a.b, `${c}${a.what} non testé${a.why ? ` (${a.why})` : ""}.`],
    ci: (a) => `IC ${a.conf} ${a.lo} à ${a.hi}, `,
    every: ", à chaque répétition",
    everyBoth: (k, n) => `, à chaque répétition des deux cellules (${k} sur ${n})`,
    one: (n) =>
      n <= 1
        ? `\u00a0; une seule répétition${c}la dérive de la machine entre cellules n'est pas mesurée`
        : `\u00a0; une seule répétition commune aux deux cellules${c}la dérive de la machine entre cellules n'est pas mesurée`,
    points: (v) => `${v} points`,
    reason: (r) => {
      switch (r.code) {
        case "not_significant":
          return r.pAdjusted !== undefined && r.pAdjusted < r.alpha && r.intervalHoldsZero
            ? "l'intervalle de la variation contient 0"
            : `non significatif${c}p = ${f.num(r.pAdjusted, 3, 3)} après l'ajustement de Holm`;
        case "inconsistent_repeats":
          return `significatif mais pas dans le même sens à chaque répétition (${r.against} sur ${r.repeats} en sens contraire)`;
        case "within_noise":
          return `plus petit que l'écart entre deux répétitions d'une même cellule (±${r.points ? `${f.num(r.floor * 100, 1)} points` : f.pct(r.floor)})`;
        case "too_few_repeats":
          return r.minP !== undefined
            ? `trop peu de répétitions pour tester${c}avec ${r.values} valeurs par cellule, le plus petit p possible ${r.pairs ? `après l'ajustement de Holm sur ${r.pairs} paires ` : ""}est ${f.num(r.minP, 3, 3)}`
            : `trop peu de répétitions pour tester${c}${r.values} valeur${r.values > 1 ? "s" : ""} par cellule, il en faut 3 au moins`;
        case "not_tested":
          return `non testé${c}${r.why} (en anglais)`;
      }
    },
    useCase: { agents: "Conversations d'agents", reasoning: "Raisonnement long", tools: "Appels d'outils", load: "Forte charge" },
    kind: (u) => ({ agents: "de conversation", reasoning: "de raisonnement", tools: "d'appels d'outils", load: "de charge" })[u as GridUseCase] ?? u,
    notMeasured: (k) => `non mesuré${c}la suite n'a pas de scénario ${k}.`,
    noData: "aucune cellule ne l'a mesuré.",
    choose: (cell) => ["choisir ", cell, `${c}`],
    beatsAll: "\u00a0; elle bat aussi toutes les autres cellules au-delà du bruit.",
    secondaryBetter: (what, v, o) => ` Elle est aussi meilleure sur ${what} (${v} contre ${o}, au-delà du bruit).`,
    secondaryWorse: (what, v, o) => ` Mais elle est moins bonne sur ${what} (${v} contre ${o}, au-delà du bruit).`,
    secondaryTie: (what, v) => ` ${what.charAt(0).toUpperCase()}${what.slice(1)} y est de ${v} (pas de différence au-delà du bruit avec la deuxième).`,
    only: (cell, what, v) => ["seule ", cell, ` a mesuré ${what} (${v})${c}rien à comparer.`],
    tie: (a) => [
      ...list(a.cells, "et"),
      ` sont à égalité sur ${a.what}${c}la meilleure valeur, `,
      a.best,
      ", ne bat pas ",
      a.other,
      ` au-delà du bruit${a.why ? ` (${a.why})` : ""}\u00a0; aucune gagnante n'est désignée.`,
    ],
    tieSecondary: (what, cell, v) => [` Sur ${what}, `, cell, ` est meilleure au-delà du bruit que les autres cellules à égalité (${v}).`],
    excluded: (what, cells) => [` Écartées d'abord, moins bonnes au-delà du bruit que la meilleure sur ${what}${c}`, ...list(cells, "et"), "."],
    qualityKept: (what) => ` Sur ${what}, chaque cellule reste dans le bruit de la meilleure\u00a0: la vitesse décide.`,
    and: "et",
    champion: (cell) => ["Championne", c, cell, " domine toutes les autres cellules", c, "meilleure au-delà du bruit sur au moins un objectif face à chacune, et moins bonne sur aucun."],
    noChampion: { no_objective: `Pas de championne${c}la suite ne donne aucune grandeur pour classer les cellules.`, no_cells: `Pas de championne${c}aucune cellule n'a été mesurée.` },
    singleCell: (cell) => [`Pas de championne${c}une seule cellule a été mesurée (`, cell, ")."],
    noDominant: (front) => [`Pas de championne${c}aucune cellule ne domine toutes les autres. Le front de Pareto contient `, ...front, "."],
    colon: c,
  };
  return build(f, w, {
    title: (name) => [`Phase 3 — comparaison des configurations du serveur${c}grille `, name],
    intro: (a) => [
      `${a.cells} configuration${a.cells > 1 ? "s" : ""} du serveur (cellules), chacune exécutant la suite `,
      a.suite,
      ` ${a.repeats} fois, les passages entrelacés pour qu'une dérive de la machine ne soit pas prise pour l'effet d'une configuration\u00a0; ${a.measured} cellule${a.measured > 1 ? "s" : ""} mesurée${a.measured > 1 ? "s" : ""}${a.failed ? `, ${a.failed} en échec` : ""}.`,
    ],
    cell: "Cellule",
    figuresNote: (conf) => `Chaque valeur regroupe les passages mesurés de la cellule, avec entre crochets son intervalle à ${f.pct(conf)} et n, ce sur quoi elle repose.`,
    failedTitle: "Cellules en échec (raisons telles que la grille les a notées, en anglais)",
    failedIntro: "Ces cellules n'ont rien mesuré et sont écartées de toutes les comparaisons.",
    findingsTitle: "Différences au-delà du bruit",
    noFinding: "Aucune paire de cellules ne diffère au-delà du bruit, sur aucune grandeur.",
    otherPairs: (n) => `${n} autre${n > 1 ? "s" : ""} paire${n > 1 ? "s" : ""} de cellules et de grandeur${c}pas de différence au-delà du bruit, ou non testée${n > 1 ? "s" : ""} (le rapport de la grille donne chaque raison).`,
    recTitle: "Recommandations tirées de la grille",
    championTitle: "Championne",
    method: (a) =>
      `Une différence entre deux cellules n'est retenue que si son test est significatif au seuil alpha = ${f.num(a.alpha, 3)} après l'ajustement de Holm sur les paires de cellules, qu'elle va dans le même sens à chaque répétition et que son intervalle dépasse le plus grand écart entre deux répétitions d'une même cellule${a.repeats <= 1 ? ` (une seule répétition ici${c}la dérive de la machine entre cellules n'est pas mesurée)` : ""}\u00a0; sinon, c'est «\u00a0pas de différence au-delà du bruit\u00a0».`,
    links: (a) => [`Dossier de la grille${c}`, a.folder, a.md ? [`\u00a0; son rapport${c}`, a.md] : "", a.html ? [" et ", a.html] : "", "."],
    contextLine: (a) => [`Le rapport joint aussi ${a.grids} grille${a.grids > 1 ? "s" : ""} de configurations du serveur (`, ...list(a.names, "et"), "), comparée" + (a.grids > 1 ? "s" : "") + " en section 3 (Phase 3)."],
    overallGridsOnly: (a) =>
      a.measured
        ? `Une comparaison de configurations du serveur (${a.grids} grille${a.grids > 1 ? "s" : ""})${c}ses résultats sont en section 3\u00a0; les verdicts propres à chaque cellule sont dans les rapports de ses exécutions. Code de sortie ${a.exitCode}.`
        : `Une comparaison de configurations du serveur dans laquelle aucune cellule n'a rien mesuré. Code de sortie ${a.exitCode}.`,
  });
}
