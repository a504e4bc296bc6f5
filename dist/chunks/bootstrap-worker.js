import { createRequire as __modelgateCreateRequire } from 'node:module'; const require = __modelgateCreateRequire(import.meta.url);
<<<<<<< HEAD
import{u as o}from"./chunk-UJPUMO4M.js";import"./chunk-C7CZJVL4.js";import"./chunk-UJT7W3J5.js";import"./chunk-5UQNK2PS.js";import{parentPort as a}from"node:worker_threads";var r=a;if(r===null)throw new Error("bootstrap-worker.js runs as a worker thread");r.on("message",s=>{let e=o(s);r.postMessage(e,[e.sums,e.maxima,e.totals].map(t=>t.buffer))});
=======
import{v as o}from"./chunk-EKHZ7OUW.js";import"./chunk-C7CZJVL4.js";import"./chunk-GCIYEW7V.js";import"./chunk-5UQNK2PS.js";import{parentPort as a}from"node:worker_threads";var r=a;if(r===null)throw new Error("bootstrap-worker.js runs as a worker thread");r.on("message",s=>{let e=o(s);r.postMessage(e,[e.sums,e.maxima,e.totals].map(t=>t.buffer))});
>>>>>>> command
