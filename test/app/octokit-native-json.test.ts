/**
 * The `nativeJson` plugin (app/octokit-native-json.ts): every answer's `data` is what Octokit's
 * own parsing gives, for each kind of body, and a request that asks for the unparsed body still
 * gets a stream. Checked differentially: the same answers through Octokit with and without the
 * plugin (a `fetch` that answers from memory, no network).
 */
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { bodyKind, nativeJson } from "../../app/octokit-native-json.js";
import { resilience } from "../../app/octokit-resilience.js";

const answers: { contentType?: string; body: string; status?: number }[] = [
  {
    contentType: "application/json; charset=utf-8",
    body: '{"id":42,"body":"é ✓","nested":[1,2.5,null,true]}',
  },
  { contentType: "application/json", body: "[]" },
  { contentType: "application/scim+json", body: '{"a":1}' },
  { contentType: "application/json", body: "not json {" },
  { contentType: "application/vnd.github.raw+json", body: "name: x\n" },
  { contentType: "application/vnd.github.raw; charset=UTF-8", body: "key: 1\n" },
  { contentType: "text/plain", body: "plain" },
  { contentType: "application/zip", body: "PK\u0003\u0004" },
  { contentType: "application/octet-stream; charset=utf-8", body: "bytes" },
  { body: "no type" },
  { contentType: "application/json", body: "", status: 204 },
];

function answering(answer: (typeof answers)[number]): typeof fetch {
  return async () =>
    new Response(answer.status === 204 ? null : answer.body, {
      status: answer.status ?? 200,
      headers: answer.contentType === undefined ? {} : { "content-type": answer.contentType },
    });
}

// Probot's Octokit without the plugins that pace and retry (no answer here is retried).
const Octokit = ProbotOctokit.defaults({ throttle: { enabled: false }, retry: { enabled: false } });

describe("nativeJson", () => {
  it.each(answers)("gives Octokit's data for $contentType", async (answer) => {
    const plain = new Octokit({ request: { fetch: answering(answer) } });
    const native = new (Octokit.plugin(nativeJson))({ request: { fetch: answering(answer) } });
    const [expected, actual] = await Promise.all([plain.request("GET /x"), native.request("GET /x")]);
    expect(actual.status).toBe(expected.status);
    expect(actual.data).toEqual(expected.data);
    expect(Object.prototype.toString.call(actual.data)).toBe(Object.prototype.toString.call(expected.data));
  });

  it("parses with the runtime's JSON.parse, where Octokit's own parser would give a BigInt", async () => {
    const answer = { contentType: "application/json", body: '{"id":9007199254740993}' };
    const plain = new Octokit({ request: { fetch: answering(answer) } });
    const native = new (Octokit.plugin(nativeJson))({ request: { fetch: answering(answer) } });
    expect(typeof (await plain.request("GET /x")).data.id).toBe("bigint");
    expect((await native.request("GET /x")).data).toEqual({ id: 9007199254740992 });
  });

  it("parses the answer to a retried request too", async () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = async () =>
      ++calls === 1
        ? new Response('{"message":"boom"}', { status: 502, headers: { "content-type": "application/json" } })
        : new Response('{"id":7}', { headers: { "content-type": "application/json" } });
    const native = new (Octokit.plugin(nativeJson, resilience))({
      request: { fetch },
      resilience: { msPerSecond: 1 },
    });
    expect((await native.request("GET /x")).data).toEqual({ id: 7 });
    expect(calls).toBe(2);
  });

  it("leaves the body unparsed when the request asks for it", async () => {
    const answer = answers[0]!;
    const native = new (Octokit.plugin(nativeJson))({ request: { fetch: answering(answer) } });
    const { data } = await native.request("GET /x", { request: { parseSuccessResponseBody: false } });
    expect(data).toBeInstanceOf(ReadableStream);
    expect(await new Response(data as ReadableStream).text()).toBe(answer.body);
  });

  it("sorts content types as Octokit does", () => {
    expect(bodyKind("Application/JSON ; charset=utf-8")).toBe("json");
    expect(bodyKind("text/html")).toBe("text");
    expect(bodyKind('application/xml; charset = "UTF-8"')).toBe("text");
    expect(bodyKind("application/octet-stream; charset=utf-8")).toBe("binary");
    expect(bodyKind("image/png")).toBe("binary");
    expect(bodyKind(undefined)).toBe("text");
  });
});
