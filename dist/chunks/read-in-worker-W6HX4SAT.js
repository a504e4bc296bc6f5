import { createRequire as __modelgateCreateRequire } from 'node:module'; const require = __modelgateCreateRequire(import.meta.url);
import{a,b,c,d,e}from"./chunk-WCBQMZSX.js";import"./chunk-GCIYEW7V.js";import"./chunk-5UQNK2PS.js";export{b as ACK,a as BATCHES_AHEAD,c as defaultWorkerScript,d as readInWorker,e as workerExecArgv};
