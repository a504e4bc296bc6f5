import { createRequire as __modelgateCreateRequire } from 'node:module'; const require = __modelgateCreateRequire(import.meta.url);
var o={ok:0,gateFailed:1,invalidInput:2,internal:3},i=class extends Error{problems;exitCode=o.invalidInput;constructor(n){let t=Array.isArray(n)?n:[n];super(t.map(s).join(`
`)),this.name="InputError",this.problems=t}},r=class extends Error{constructor(t,d){super(t);this.hint=d;this.name="UsageError"}hint;exitCode=o.invalidInput};function l(e){let n=e.file;return e.line!==void 0&&(n+=`:${e.line}${e.column!==void 0?`:${e.column}`:""}`),e.row!==void 0&&(n+=`, row ${e.row}`),e.field!==void 0&&(n+=`, column "${e.field}"`),n}function s(e){return`${l(e)}: ${e.message}${e.hint?`
  hint: ${e.hint}`:""}`}export{i as a,r as b,s as c};
