// Preloaded into the Action's process by the proxy tests (NODE_OPTIONS=--import=...): names
// under .test resolve to loopback, as a hosts-file entry would make them. Without a proxy the
// process connects to them itself; through a proxy it never resolves them (the proxy does).
import dns from "node:dns";

const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  const name = typeof hostname === "string" && hostname.endsWith(".test") ? "127.0.0.1" : hostname;
  return lookup.call(this, name, options, callback);
};
