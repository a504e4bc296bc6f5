/**
 * The bounded pieces every report schema is built from (report.json, its `dataChange`, the monitor
 * report): the App reads these files from untrusted artifacts, and names come from specs and
 * data a PR controls, so every string and list has a ceiling, the same in each.
 */
import { z } from "zod";

export const name = z.string().max(200);
export const text = z.string().max(2000);
export const sha = z.string().regex(/^[0-9a-f]{7,64}$/);
export const num = z.number();
export const count = z.number().int().min(0);
export const list = <T extends z.ZodType>(item: T, max = 1000) => z.array(item).max(max);
