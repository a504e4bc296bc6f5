import fc from "fast-check";
import type { Nodes, Root } from "mdast";
import { visit } from "unist-util-visit";
import { describe, expect, it } from "vitest";
import {
  cleanText,
  codeSpan,
  escapeHtml,
  escapeHtmlForGitHub,
  escapeText,
  mermaidLabel,
  plainToken,
} from "../../src/report/escape-markdown.js";
import { findHazards, nodesOf, parseGfm } from "./markdown-safety.js";

/** Characters that mean something to Markdown, GFM, HTML, GitHub or mermaid, over-represented. */
const hostileChar = fc.oneof(
  fc.constantFrom(..."\\`*_{}[]()<>#+-.!|~&@:^$=\"'%/;?\n\r\t \u200b\u202e"),
  fc.constantFrom(
    "http://",
    "www.",
    "-->",
    "<!--",
    "%%",
    "@everyone",
    "#12",
    "&#64;",
    "&lt;",
    "GH-1",
    "[^1]",
    "](",
  ),
  fc.string({ unit: "grapheme", maxLength: 2 }),
);
const hostileString = fc.array(hostileChar, { maxLength: 40 }).map((parts) => parts.join(""));

const withoutZwsp = (s: string) => s.replaceAll("\u200b", "");

function plainText(root: Root): string {
  const parts: string[] = [];
  visit(root, (n: Nodes) => {
    if (n.type === "text" || n.type === "inlineCode") parts.push(n.value);
  });
  return parts.join("");
}

describe("cleanText", () => {
  it("flattens line breaks, drops controls and bidi overrides, and cuts long text", () => {
    expect(cleanText("a\nb\r\nc\td")).toBe("a b  c d");
    expect(cleanText("x\u0000\u001b[31my\u202ez\u2066")).toBe("x[31myz");
    expect(cleanText("abcdef", 4)).toBe("abc…");
    expect([...cleanText("😀".repeat(10), 5)]).toHaveLength(5);
  });
});

describe("escapeText", () => {
  it("escapes what would become a link, an image, HTML or code", () => {
    expect(escapeText("[x](http://evil)")).toBe("\\[x\\]\\(http\\:\u200b//evil\\)");
    expect(escapeText("<img src=x>")).toBe("\\<img src=x\\>");
    expect(escapeText("`a` & b")).toBe("\\`a\\` \\& b");
  });

  it("breaks mentions, references and autolinks with a zero-width space", () => {
    expect(escapeText("@everyone")).toBe("\\@\u200beveryone");
    expect(escapeText("#12")).toBe("\\#\u200b12");
    expect(escapeText("www.evil.com")).toBe("www\u200b.evil.com");
    expect(escapeText("GH-12")).toBe("GH-\u200b12");
  });

  it("keeps a line start from opening a block", () => {
    for (const s of ["- item", "+ item", "1. item", "2) item", "---", "===", "# h", "> q", "    code"]) {
      const tree = parseGfm(`${escapeText(s)}\n`);
      expect(tree.children.map((c) => c.type)).toEqual(["paragraph"]);
    }
  });

  it("is inert and keeps its text, anywhere, for any string (property)", () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const escaped = escapeText(s);
        const expected = withoutZwsp(cleanText(s)).trim();
        // As a paragraph of its own: one paragraph (or nothing), the same text, nothing active.
        const alone = parseGfm(`${escaped}\n`);
        expect(findHazards(`${escaped}\n`)).toEqual([]);
        if (expected !== "") expect(alone.children.map((c) => c.type)).toEqual(["paragraph"]);
        expect(withoutZwsp(plainText(alone)).trim()).toBe(expected);
        // In a table cell: the row keeps its two cells.
        const md = `| a | b |\n| - | - |\n| ${escaped} | z |\n`;
        expect(findHazards(md)).toEqual([]);
        const rows = nodesOf(parseGfm(md), "tableRow");
        expect(rows[1]!.children).toHaveLength(2);
        expect(
          withoutZwsp(plainText({ type: "root", children: [rows[1]!.children[0]!] } as Root)).trim(),
        ).toBe(expected);
      }),
      { seed: 20240611, numRuns: 400 },
    );
  });
});

describe("codeSpan", () => {
  it("picks a fence longer than any backtick run and pads edge backticks", () => {
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
    expect(codeSpan("  ")).toBe("*(empty)*");
  });

  it("keeps its content, and in a table its cell, for any string (property)", () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const expected = cleanText(s, 120);
        fc.pre(expected.trim() !== "");
        const inline = parseGfm(`x ${codeSpan(s)} y\n`);
        expect(findHazards(`x ${codeSpan(s)} y\n`)).toEqual([]);
        expect(nodesOf(inline, "inlineCode").map((c) => c.value)).toEqual([expected]);
        const md = `| a | b |\n| - | - |\n| ${codeSpan(s, { inTable: true })} | z |\n`;
        const rows = nodesOf(parseGfm(md), "tableRow");
        expect(rows[1]!.children).toHaveLength(2);
        expect(nodesOf(parseGfm(md), "inlineCode").map((c) => c.value)).toEqual([
          expected.replace(/\\(?=\|)/g, "\\\u200b"),
        ]);
      }),
      { seed: 20240612, numRuns: 400 },
    );
  });
});

describe("HTML, mermaid and plain-text escapes", () => {
  it("escapes HTML and, for GitHub, breaks mentions inside it", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
    expect(escapeHtmlForGitHub("@all #1 http://x")).toBe("@\u200ball #\u200b1 http:\u200b//x");
  });

  it("keeps only letters, digits, space and ._- in mermaid labels", () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        expect(mermaidLabel(s)).toMatch(/^[\p{L}\p{N} ._-]+$/u);
      }),
      { seed: 20240613 },
    );
    expect(mermaidLabel('a"] --> b\n%%')).toBe("a__ --_ b __");
    expect(mermaidLabel("R²")).toBe("R²");
  });

  it("reduces plain tokens to a safe alphabet without www. or GH-1", () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const t = plainToken(s);
        expect(t).toMatch(/^[A-Za-z0-9._:-]+$/);
        expect(t).not.toMatch(/www\./i);
        expect(findHazards(`${t}\n`)).toEqual([]);
      }),
      { seed: 20240614 },
    );
  });
});
