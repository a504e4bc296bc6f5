/**
 * GitHub's own parser of workflow and action files (@actions/workflow-parser, from
 * actions/languageservices), loaded for the tests. Its modules import JSON schemas without import
 * attributes, which Node 20 refuses, so it is bundled once (esbuild inlines the JSON) into a
 * temporary module.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as Parser from "@actions/workflow-parser";
import type * as ActionParser from "@actions/workflow-parser/actions/index";
import { build } from "esbuild";

/** The parser's entry points the tests use. */
export type WorkflowParser = Pick<
  typeof Parser,
  "parseWorkflow" | "convertWorkflowTemplate" | "NoOperationTraceWriter"
> &
  Pick<typeof ActionParser, "parseAction" | "convertActionTemplate">;

/** One error the parser reports, with its 1-based line when it knows it. */
export interface ParserError {
  message: string;
  line?: number;
}

/** Bundles and imports the parser. */
export async function loadWorkflowParser(root: string): Promise<WorkflowParser> {
  const dir = mkdtempSync(path.join(tmpdir(), "modelgate-workflow-parser-"));
  try {
    const outfile = path.join(dir, "parser.mjs");
    await build({
      stdin: {
        contents:
          'export { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from "@actions/workflow-parser";\n' +
          'export { parseAction, convertActionTemplate } from "@actions/workflow-parser/actions/index";\n',
        resolveDir: root,
        loader: "js",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile,
      logLevel: "silent",
    });
    writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
    return (await import(pathToFileURL(outfile).href)) as WorkflowParser;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every error GitHub would report for a workflow file: YAML, schema (keys, values, expressions)
 * and the checks of the conversion to a runnable workflow (job dependencies, matrices).
 */
export async function checkWorkflow(
  parser: WorkflowParser,
  name: string,
  content: string,
): Promise<ParserError[]> {
  const { context, value } = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
  const errors: ParserError[] = context.errors.getErrors().map((e) => ({
    message: e.message,
    line: e.range?.start.line,
  }));
  if (errors.length === 0 && value !== undefined) {
    const template = await parser.convertWorkflowTemplate(context, value);
    for (const e of template.errors ?? []) errors.push({ message: e.Message });
  }
  return errors;
}

/** Every error GitHub would report for an action's metadata file (action.yml). */
export function checkAction(parser: WorkflowParser, name: string, content: string): ParserError[] {
  const { context, value } = parser.parseAction({ name, content }, new parser.NoOperationTraceWriter());
  const errors: ParserError[] = context.errors.getErrors().map((e) => ({
    message: e.message,
    line: e.range?.start.line,
  }));
  if (errors.length === 0 && value !== undefined) parser.convertActionTemplate(context, value);
  errors.push(
    ...context.errors
      .getErrors()
      .slice(errors.length)
      .map((e) => ({ message: e.message })),
  );
  return errors;
}
