import { createRequire as __modelgateCreateRequire } from 'node:module'; const require = __modelgateCreateRequire(import.meta.url);
import{createHash as a}from"node:crypto";import{createReadStream as s}from"node:fs";async function n(e){let r=a("sha256");for await(let t of s(e,{highWaterMark:1<<20}))r.update(t);return r.digest("hex")}export{n as a};
