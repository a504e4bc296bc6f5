// The part of the WebAssembly JavaScript API that modelgate uses (csv-kernel.ts, qr-fold.ts,
// bootstrap-sums.ts). Node has the whole API as a global; @types/node 20 declares only its
// namespace.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Global {
    value: unknown;
  }
}
