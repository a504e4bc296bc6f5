/**
 * An ONNX model as plain data, and its encoding to the bytes of an `.onnx` file (the
 * `ModelProto` message of onnx.proto, field numbers as published there). Only what a graph of
 * standard operators with constant initializers needs: no subgraphs, no external data, no
 * sparse tensors.
 */
import { float64Bytes, int64Bytes, ProtoWriter } from "./protobuf-writer.js";

/** ONNX element types (TensorProto.DataType) this writer produces. */
export const ElementType = { float: 1, int64: 7, string: 8, bool: 9, double: 11 } as const;
export type ElementTypeName = keyof typeof ElementType;

/** A constant tensor: dims, element type and values (strings for `string`, numbers otherwise). */
export interface OnnxTensor {
  name: string;
  type: "double" | "int64" | "string";
  dims: number[];
  values: readonly number[] | readonly string[];
}

export type OnnxAttribute =
  | { name: string; kind: "int"; value: number }
  | { name: string; kind: "ints"; value: readonly number[] }
  | { name: string; kind: "strings"; value: readonly string[] }
  | { name: string; kind: "tensor"; value: OnnxTensor };

/** One operator application. `domain` is "" (ai.onnx) unless given. */
export interface OnnxNode {
  name: string;
  op: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

/** A graph input or output: a tensor with a shape whose entries are sizes or symbolic names. */
export interface OnnxValueInfo {
  name: string;
  type: ElementTypeName;
  shape: (number | string)[];
  doc?: string;
}

export interface OnnxGraph {
  name: string;
  doc: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  /** Operator sets the graph uses: "" is ai.onnx, "ai.onnx.ml" the traditional-ML operators. */
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  doc: string;
  graph: OnnxGraph;
  /** Free key-value metadata (ModelProto.metadata_props), in the order given. */
  metadata: [string, string][];
}

const AttributeType = { int: 2, tensor: 4, ints: 7, strings: 8 } as const;

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, ElementType[t.type]);
  if (t.type === "string") for (const s of t.values as readonly string[]) w.string(6, s);
  w.string(8, t.name);
  if (t.type === "double") w.bytes(9, float64Bytes(t.values as readonly number[]));
  if (t.type === "int64") w.bytes(9, int64Bytes(t.values as readonly number[]));
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  switch (a.kind) {
    case "int":
      w.int(3, a.value);
      break;
    case "tensor":
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case "ints":
      for (const v of a.value) w.int(8, v);
      break;
    case "strings":
      for (const v of a.value) w.string(9, v);
      break;
  }
  w.int(20, AttributeType[a.kind]);
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.op);
  for (const a of n.attributes ?? []) w.message(5, (m) => writeAttribute(m, a));
  if (n.domain) w.string(7, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ElementType[v.type]);
      tensor.message(2, (shape) => {
        for (const d of v.shape)
          shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
  if (v.doc) w.string(3, v.doc);
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  if (g.doc) w.string(10, g.doc);
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/** The bytes of an `.onnx` file holding `model`. Deterministic: the same model, the same bytes. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  if (model.doc) w.string(6, model.doc);
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const o of model.opsets)
    w.message(8, (m) => {
      if (o.domain) m.string(1, o.domain);
      m.int(2, o.version);
    });
  for (const [key, value] of model.metadata)
    w.message(14, (m) => {
      m.string(1, key);
      m.string(2, value);
    });
  return w.finish();
}
