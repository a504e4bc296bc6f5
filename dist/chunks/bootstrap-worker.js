import { createRequire as __modelgateCreateRequire } from 'node:module'; const require = __modelgateCreateRequire(import.meta.url);
<<<<<<< HEAD
<<<<<<< HEAD
import{t as s}from"./chunk-SHQHJ2PE.js";import"./chunk-C7CZJVL4.js";import"./chunk-GCIYEW7V.js";import"./chunk-5UQNK2PS.js";import{parentPort as a}from"node:worker_threads";var r=a;if(r===null)throw new Error("bootstrap-worker.js runs as a worker thread");r.on("message",t=>{let e=s(t);r.postMessage(e,[e.sums,e.maxima,e.totals].map(o=>o.buffer))});
=======
import{t as s}from"./chunk-3USEFS5G.js";import"./chunk-C7CZJVL4.js";import"./chunk-GCIYEW7V.js";import"./chunk-5UQNK2PS.js";import{parentPort as a}from"node:worker_threads";var r=a;if(r===null)throw new Error("bootstrap-worker.js runs as a worker thread");r.on("message",t=>{let e=s(t);r.postMessage(e,[e.sums,e.maxima,e.totals].map(o=>o.buffer))});
>>>>>>> numerics
=======
import{u as s}from"./chunk-TZNMAAHK.js";import"./chunk-C7CZJVL4.js";import"./chunk-GCIYEW7V.js";import"./chunk-5UQNK2PS.js";import{parentPort as a}from"node:worker_threads";var r=a;if(r===null)throw new Error("bootstrap-worker.js runs as a worker thread");r.on("message",t=>{let e=s(t);r.postMessage(e,[e.sums,e.maxima,e.totals].map(o=>o.buffer))});
>>>>>>> onnx
