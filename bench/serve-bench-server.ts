/**
 * One server under load, in its own process so the load tool does not share its thread:
 *
 *   node build/bench/serve-bench-server.js <modelgate|bare> <config file> <builtin|onnx> <batch wait ms> [poll ms]
 *
 * `modelgate` is `modelgate serve` (openServer): routing, request validation against the data
 * spec, metrics, sampled logs, optional adaptive batching. `bare` is the floor it is measured
 * against: a plain `node:http` server that parses the same Open Inference Protocol body, lays the
 * tensors into a batch with no checks, and calls the same bound model (ServedModel.score) on the
 * same rows. With `onnx`, both serve the model spec's ONNX file (the registry's version stands in
 * for it: the bench measures serving, not the registry). Prints `{"url": ...}` on stdout once
 * listening; stops on SIGTERM.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { CategoryVector, ColumnVector, RowBatch } from "../src/data/row-batch.js";
import type { FittedModel } from "../src/model/fitted-model.js";
import { loadModelFile } from "../src/model/load-model.js";
import { openSpecOnnxModel } from "../src/model/onnx/index.js";
import { onnxFittedModel } from "../src/model/onnx/onnx-fitted-model.js";
import { loadProject, type LoadedModel } from "../src/project/load-project.js";
import type { DataSpec } from "../src/project/schemas.js";
import { loadRegistryModel, type ModelLoader } from "../src/serve/model-table.js";
import { servedModel, type ServedModel } from "../src/serve/served-model.js";
import { openServer } from "../serve/open-server.js";

/** The spec's ONNX file as a fitted model. */
function onnxModel(m: LoadedModel): FittedModel {
  const types = new Map(m.data.columns.map((c) => [c.name, c.type]));
  return onnxFittedModel(
    openSpecOnnxModel(m, (p) => p),
    {
      model: m.name,
      task: m.spec.task,
      target: m.spec.target,
      positiveClass: null,
      specHash: m.specHash,
      features: m.features.map((name) => ({ name, type: types.get(name)! })),
    },
  );
}

interface Tensor {
  name: string;
  data: unknown[];
}

/** The request's tensors as a batch in spec column order, with no checks (the bare floor). */
function layOut(spec: DataSpec, tensors: Tensor[]): RowBatch {
  const length = tensors[0]?.data.length ?? 0;
  const byName = new Map(tensors.map((t) => [t.name, t.data]));
  const columns: ColumnVector[] = spec.columns.map((c) => {
    const data = byName.get(c.name);
    if (c.type === "category") {
      const levels = (c.values ?? []).map(String);
      const codes = new Int32Array(length).fill(-1);
      if (data) for (let i = 0; i < length; i++) codes[i] = levels.indexOf(String(data[i]));
      return {
        kind: "category",
        name: c.name,
        type: "category",
        codes,
        levels,
        raw: levels,
      } as CategoryVector;
    }
    if (c.type === "string")
      return {
        kind: "string",
        name: c.name,
        type: "string",
        values: Array.from({ length }, (_, i) => (data?.[i] as string | undefined) ?? null),
      };
    const values = new Float64Array(length).fill(NaN);
    if (data)
      for (let i = 0; i < length; i++) {
        const v = data[i];
        values[i] = typeof v === "string" ? Date.parse(v) : v === null ? NaN : Number(v);
      }
    return { kind: "numeric", name: c.name, type: c.type, values };
  });
  const row = Uint32Array.from({ length }, (_, i) => i + 1);
  return { length, row, line: row, side: new Uint8Array(length), columns };
}

async function bare(served: ServedModel, port: number): Promise<string> {
  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: string; inputs: Tensor[] };
        const batch = layOut(served.dataSpec, body.inputs);
        const out = new Float64Array(batch.length);
        await served.score(batch, out);
        const text = JSON.stringify({
          model_name: served.name,
          model_version: String(served.version),
          ...(body.id !== undefined ? { id: body.id } : {}),
          outputs: [{ name: "prediction", datatype: "FP64", shape: [batch.length], data: Array.from(out) }],
        });
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  process.once("SIGTERM", () => process.exit(0));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main(): Promise<void> {
  const [kind = "modelgate", configFile = "", format = "builtin", waitText = "0", pollText = "0"] =
    process.argv.slice(2);
  const project = loadProject(path.resolve(configFile));
  const m = project.models[0]!;
  const onnx = format === "onnx" ? onnxModel(m) : null;
  let url: string;
  if (kind === "bare") {
    const registry = path.join(project.registryDir, "models", m.name, "v1.json");
    const fitted = onnx ?? (await loadModelFile(registry));
    const served = await servedModel(fitted, m.data, { version: 1, sha256: fitted.sha256 });
    url = await bare(served, 0);
  } else {
    const loader: ModelLoader = onnx ? () => onnx : loadRegistryModel;
    const running = await openServer({
      configFile,
      alias: "production",
      host: "127.0.0.1",
      port: 0,
      pollMs: Number(pollText),
      maxBodyBytes: 5_000_000,
      maxRows: 10_000,
      batchWaitMs: Number(waitText),
      batchMaxRows: 1024,
      logSample: 0,
      logPayloads: false,
      drainMs: 1000,
      log: { event() {}, request() {} },
      loader,
    });
    process.once("SIGTERM", () => void running.drain(1000).then(() => process.exit(0)));
    url = running.url;
  }
  process.stdout.write(JSON.stringify({ url }) + "\n");
}

await main();
