import { createRequire as __modelgateCreateRequire } from 'node:module'; const require = __modelgateCreateRequire(import.meta.url);
import{a,b,c,d,e}from"./chunk-FY5GQXSJ.js";import"./chunk-L74JVC7R.js";import"./chunk-FDROO6LN.js";import"./chunk-5UQNK2PS.js";export{a as BATCHES_AHEAD,b as defaultWorkerScript,c as readInWorker,d as startWorker,e as workerExecArgv};
