/**
 * Reads rendered Markdown the way GitHub does (CommonMark + GFM, through remark) and lists
 * everything in it that could act: links, images, raw HTML beyond the renderer's own
 * `<details>`/`<summary>`/`<sub>` wrappers, and the things GitHub links after Markdown
 * (@mentions, #references, bare URLs and e-mail addresses) in text outside code.
 */
import type { Nodes, Root } from "mdast";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { visit } from "unist-util-visit";

export function parseGfm(markdown: string): Root {
  return unified().use(remarkParse).use(remarkGfm).parse(markdown);
}

const ACTIVE_NODES = new Set([
  "link",
  "linkReference",
  "image",
  "imageReference",
  "definition",
  "footnoteReference",
  "footnoteDefinition",
]);

/** The renderer's own tags; any other tag, comment or declaration in an html node is a hazard. */
const OWN_TAGS = /<\/?(?:details|summary|sub)>/g;

/** What GitHub turns into a link or a notification in rendered text. */
const LINKERS: [string, RegExp][] = [
  ["@mention", /(?:^|[^\p{L}\p{N}_`])@[\p{L}\p{N}]/u],
  ["#reference", /(?:^|[^\p{L}\p{N}_&])#\d/u],
  ["GH- reference", /\bGH-\d/i],
  ["URL", /\b[a-z][a-z0-9+.-]*:\/\//i],
  ["www autolink", /\bwww\./i],
  ["e-mail", /[\p{L}\p{N}._+-]@[\p{L}\p{N}-]+\.[\p{L}\p{N}]/u],
];

function decodeEntities(html: string): string {
  return html
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&(lt|gt|amp|quot|apos|commat|num);/g, (_, name: string) => NAMED[name]!);
}
const NAMED: Record<string, string> = {
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
  commat: "@",
  num: "#",
};

export interface Hazard {
  kind: string;
  where: string;
}

/** Everything in the Markdown that could link, embed, notify or run; empty when it is inert. */
export function findHazards(markdown: string): Hazard[] {
  const hazards: Hazard[] = [];
  visit(parseGfm(markdown), (node: Nodes) => {
    if (ACTIVE_NODES.has(node.type))
      hazards.push({ kind: node.type, where: JSON.stringify(node).slice(0, 200) });
    if (node.type === "html") {
      const rest = node.value.replace(OWN_TAGS, "");
      if (/[<>]/.test(rest)) hazards.push({ kind: "raw html", where: node.value.slice(0, 200) });
      checkText(decodeEntities(rest), hazards);
    }
    if (node.type === "text") checkText(node.value, hazards);
    if (node.type === "code" && node.lang !== "mermaid")
      hazards.push({ kind: `code block (${node.lang ?? "no language"})`, where: node.value.slice(0, 200) });
    if (node.type === "code" && node.lang === "mermaid")
      for (const line of node.value.split("\n"))
        if (!MERMAID_LINE.test(line)) hazards.push({ kind: "mermaid line", where: line.slice(0, 200) });
  });
  return hazards;
}

function checkText(text: string, hazards: Hazard[]): void {
  for (const [kind, pattern] of LINKERS)
    if (pattern.test(text)) hazards.push({ kind, where: text.slice(0, 200) });
}

/** The only lines an `xychart-beta` of the renderer has; labels are letters, digits, space, `._-`. */
const LABEL = String.raw`"[\p{L}\p{N} ._-]*"`;
const NUMBER = String.raw`-?\d+(?:\.\d+)?`;
const MERMAID_LINE = new RegExp(
  String.raw`^(?:xychart-beta|  title ${LABEL}|  x-axis \[${LABEL}(?:, ${LABEL})*\]|  y-axis ${LABEL}|  line \[${NUMBER}(?:, ${NUMBER})*\])$`,
  "u",
);

/** Nodes of a type, in document order. */
export function nodesOf<T extends Nodes["type"]>(tree: Root, type: T): Extract<Nodes, { type: T }>[] {
  const out: Extract<Nodes, { type: T }>[] = [];
  visit(tree, (node: Nodes) => {
    if (node.type === type) out.push(node as Extract<Nodes, { type: T }>);
  });
  return out;
}
