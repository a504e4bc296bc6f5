/**
 * Reads what modelgate checks in an ONNX file, straight from its protobuf bytes: the declared
 * inputs and outputs (element type, shape), the opsets, the producer, every operator with its
 * domain, and the tensors stored outside the file. Nothing is executed; the weights are skipped
 * over, not decoded. The fields read are those of onnx/onnx.proto (IR version 3 and later); a
 * file that ends inside a field is reported as truncated.
 */

/** ONNX TensorProto.DataType numbers of the element types modelgate can feed or read. */
export const ElementType = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  double: 11,
} as const;

const ELEMENT_NAMES: Record<number, string> = {
  1: "float",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "double",
  12: "uint32",
  13: "uint64",
  14: "complex64",
  15: "complex128",
  16: "bfloat16",
};

/** The name ONNX gives an element type number (`float`, `double`, `int64`...). */
export function elementTypeName(type: number): string {
  return ELEMENT_NAMES[type] ?? `type ${type}`;
}

/** One dimension of a declared shape: a size, a symbolic name, or unknown (null). */
export type Dimension = number | string | null;

/** The declared type of a graph input or output. */
export type ValueType =
  | { kind: "tensor"; elementType: number; shape: Dimension[] | null }
  | { kind: "sequence" | "map" | "sparse-tensor" | "optional" | "unknown" };

/** A graph input or output. */
export interface ValueInfo {
  name: string;
  type: ValueType;
}

/** What modelgate knows of an ONNX file after reading it. */
export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** Operator set versions by domain ("" is the default domain, ai.onnx). */
  opsets: Map<string, number>;
  /** Inputs the caller feeds: graph inputs that are not initializers. */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Every operator used, as `domain:op_type` ("" domain for ai.onnx), subgraphs included. */
  operators: Set<string>;
  /** Domains of the functions the file defines itself (their operators are not custom). */
  functionDomains: Set<string>;
  /** Names of tensors whose data lives in another file. */
  externalTensors: string[];
  /** True when the file holds a graph. */
  hasGraph: boolean;
}

/** The bytes are not a readable ONNX protobuf; `message` says where reading stopped. */
export class OnnxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OnnxFormatError";
  }
}

/** A minimal protobuf wire-format cursor over one message's bytes. */
class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new OnnxFormatError("the file ends inside a number (truncated)");
      const b = this.bytes[this.pos++]!;
      // Numbers past 2^53 (negative int64s) are not needed exactly: only sizes and ids are read.
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new OnnxFormatError("a number is longer than 10 bytes (not a protobuf file)");
  }

  /** Reads a field key; returns [field number, wire type]. */
  key(): [number, number] {
    const k = this.varint();
    const field = Math.floor(k / 8);
    const wire = k % 8;
    if (field === 0) throw new OnnxFormatError("field number 0 (not a protobuf file)");
    return [field, wire];
  }

  /** A length-delimited field as a sub-reader. */
  sub(): Reader {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) {
      throw new OnnxFormatError(
        `a field of ${length} bytes at byte ${start} runs past the end of its message (truncated file)`,
      );
    }
    this.pos = start + length;
    return new Reader(this.bytes, start, start + length);
  }

  string(): string {
    const r = this.sub();
    return new TextDecoder("utf-8", { fatal: false }).decode(this.bytes.subarray(r.pos, r.end));
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.sub();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new OnnxFormatError(`wire type ${wire} at byte ${this.pos} (not an ONNX protobuf file)`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new OnnxFormatError("the file ends inside a field (truncated)");
    this.pos += n;
  }
}

/** Calls `visit` for each field of the message; fields it does not consume are skipped. */
function fields(r: Reader, visit: (field: number, wire: number, r: Reader) => boolean): void {
  while (!r.done) {
    const [field, wire] = r.key();
    if (!visit(field, wire, r)) r.skip(wire);
  }
}

function readShape(r: Reader): Dimension[] {
  const dims: Dimension[] = [];
  fields(r, (field, wire, rr) => {
    if (field !== 1 || wire !== 2) return false;
    let dim: Dimension = null;
    fields(rr.sub(), (f, w, d) => {
      if (f === 1 && w === 0) dim = d.varint();
      else if (f === 2 && w === 2) dim = d.string() || null;
      else return false;
      return true;
    });
    dims.push(dim);
    return true;
  });
  return dims;
}

function readType(r: Reader): ValueType {
  let type: ValueType = { kind: "unknown" };
  const kinds: Record<number, ValueType["kind"]> = {
    4: "sequence",
    5: "map",
    8: "sparse-tensor",
    9: "optional",
  };
  fields(r, (field, wire, rr) => {
    if (wire !== 2) return false;
    if (field === 1) {
      let elementType = 0;
      let shape: Dimension[] | null = null;
      fields(rr.sub(), (f, w, t) => {
        if (f === 1 && w === 0) elementType = t.varint();
        else if (f === 2 && w === 2) shape = readShape(t.sub());
        else return false;
        return true;
      });
      type = { kind: "tensor", elementType, shape };
      return true;
    }
    const kind = kinds[field];
    if (kind === undefined) return false;
    rr.sub();
    type = { kind } as ValueType;
    return true;
  });
  return type;
}

function readValueInfo(r: Reader): ValueInfo {
  let name = "";
  let type: ValueType = { kind: "unknown" };
  fields(r, (field, wire, rr) => {
    if (field === 1 && wire === 2) name = rr.string();
    else if (field === 2 && wire === 2) type = readType(rr.sub());
    else return false;
    return true;
  });
  return { name, type };
}

/** A TensorProto's name and whether its data is external (data_location = EXTERNAL). */
function readTensor(r: Reader): { name: string; external: boolean } {
  let name = "";
  let external = false;
  fields(r, (field, wire, rr) => {
    if (field === 8 && wire === 2) name = rr.string();
    else if (field === 14 && wire === 0) external = rr.varint() === 1;
    else if (field === 13 && wire === 2) {
      rr.sub();
      external = true;
    } else return false;
    return true;
  });
  return { name, external };
}

interface GraphParts {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Set<string>;
}

/** Reads a graph; operators and external tensors of it and its subgraphs go into `info`. */
function readGraph(r: Reader, info: OnnxModelInfo): GraphParts {
  const parts: GraphParts = { inputs: [], outputs: [], initializers: new Set() };
  const tensor = (t: Reader) => {
    const { name, external } = readTensor(t);
    if (external) info.externalTensors.push(name || "(unnamed)");
    return name;
  };
  fields(r, (field, wire, rr) => {
    if (wire !== 2) return false;
    if (field === 1) readNode(rr.sub(), info, tensor);
    else if (field === 5) parts.initializers.add(tensor(rr.sub()));
    else if (field === 11) parts.inputs.push(readValueInfo(rr.sub()));
    else if (field === 12) parts.outputs.push(readValueInfo(rr.sub()));
    else return false;
    return true;
  });
  return parts;
}

function readNode(r: Reader, info: OnnxModelInfo, tensor: (t: Reader) => string): void {
  let opType = "";
  let domain = "";
  fields(r, (field, wire, rr) => {
    if (field === 4 && wire === 2) opType = rr.string();
    else if (field === 7 && wire === 2) domain = rr.string();
    else if (field === 5 && wire === 2) {
      // AttributeProto: t (5), g (6), tensors (10), graphs (11) may hold tensors and subgraphs.
      fields(rr.sub(), (f, w, a) => {
        if (w !== 2) return false;
        if (f === 5 || f === 10) tensor(a.sub());
        else if (f === 6 || f === 11) readGraph(a.sub(), info);
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  info.operators.add(`${domain === "ai.onnx" ? "" : domain}:${opType}`);
}

/**
 * Reads an ONNX model file's bytes.
 *
 * @throws OnnxFormatError when the bytes are empty, truncated or not an ONNX protobuf.
 */
export function readOnnxModel(bytes: Uint8Array): OnnxModelInfo {
  if (bytes.length === 0) throw new OnnxFormatError("the file is empty (0 bytes)");
  const info: OnnxModelInfo = {
    irVersion: 0,
    producerName: "",
    producerVersion: "",
    opsets: new Map(),
    inputs: [],
    outputs: [],
    operators: new Set(),
    functionDomains: new Set(),
    externalTensors: [],
    hasGraph: false,
  };
  let graph: GraphParts | undefined;
  fields(new Reader(bytes, 0, bytes.length), (field, wire, r) => {
    if (field === 1 && wire === 0) info.irVersion = r.varint();
    else if (field === 2 && wire === 2) info.producerName = r.string();
    else if (field === 3 && wire === 2) info.producerVersion = r.string();
    else if (field === 7 && wire === 2) graph = readGraph(r.sub(), info);
    else if (field === 8 && wire === 2) {
      let domain = "";
      let version = 0;
      fields(r.sub(), (f, w, o) => {
        if (f === 1 && w === 2) domain = o.string();
        else if (f === 2 && w === 0) version = o.varint();
        else return false;
        return true;
      });
      info.opsets.set(domain === "ai.onnx" ? "" : domain, version);
    } else if (field === 25 && wire === 2) {
      fields(r.sub(), (f, w, fn) => {
        if (f === 10 && w === 2) info.functionDomains.add(fn.string());
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  if (graph !== undefined) {
    const g: GraphParts = graph;
    info.hasGraph = true;
    info.inputs = g.inputs.filter((v) => !g.initializers.has(v.name));
    info.outputs = g.outputs;
  }
  return info;
}
