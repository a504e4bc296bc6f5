/**
 * Files of one repository through GitHub's contents API, at a ref: the one reader the Action
 * (the champion at the base commit), the App (settings and registry at the default branch's head)
 * and the server (the registry it follows) share. Bodies are asked for raw: text as the file's
 * own text, and a model's bytes unparsed, so no text decoder ever touches them.
 */
import { bytesOfBody } from "./bounded-body.js";

/** The part of an Octokit client the reader calls (`octokit`'s, `@actions/github`'s and Probot's satisfy it). */
export interface ContentsClient {
  rest: {
    repos: {
      getContent(params: {
        owner: string;
        repo: string;
        path: string;
        ref: string;
        mediaType: { format: string };
        request?: { parseSuccessResponseBody: boolean };
      }): Promise<{ data: unknown }>;
    };
  };
}

/** A repository's files at a ref (branch, tag or commit sha). */
export interface RepoContents {
  /** A file's text; null when the path is not a file there (missing, or a folder). */
  text(path: string, ref: string): Promise<string | null>;
  /** A file's bytes (an ONNX model); null when the path is not a file there. */
  bytes(path: string, ref: string): Promise<Uint8Array | null>;
}

/** Largest text file read (modelgate.yml, registry.json, a model file). */
export const MAX_TEXT_BYTES = 20 * 1024 * 1024;

/** Largest binary file read (an ONNX model): GitHub's own file limit. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;

/** Options of {@link repoContents}. */
export interface RepoContentsOptions {
  /**
   * The error to throw for a refused read other than 404 (`doing` says what was read, e.g.
   * "reading registry.json at commit abc1234"). Default: the client's error as it is.
   */
  explain?: (error: unknown, doing: string) => unknown;
  maxTextBytes?: number;
  maxBytes?: number;
}

/** The contents API of `repo` through `client`; a missing file is null. */
export function repoContents(
  client: ContentsClient,
  repo: { owner: string; repo: string },
  options: RepoContentsOptions = {},
): RepoContents {
  const {
    explain = (error: unknown) => error,
    maxTextBytes = MAX_TEXT_BYTES,
    maxBytes = MAX_FILE_BYTES,
  } = options;
  const at = (path: string, ref: string) => `${path} at ${/^[0-9a-f]{40}$/.test(ref) ? "commit " : ""}${ref}`;
  /** The raw body; null on 404. */
  const raw = async (path: string, ref: string, unparsed: boolean): Promise<{ body: unknown } | null> => {
    try {
      const { data } = await client.rest.repos.getContent({
        ...repo,
        path,
        ref,
        mediaType: { format: "raw" },
        ...(unparsed ? { request: { parseSuccessResponseBody: false } } : {}),
      });
      return { body: data };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw explain(error, `reading ${at(path, ref)}`);
    }
  };
  return {
    async text(path, ref) {
      const file = await raw(path, ref, false);
      // With the raw media type the body is the file itself; a folder still answers with JSON.
      if (typeof file?.body !== "string") return null;
      if (Buffer.byteLength(file.body, "utf8") > maxTextBytes)
        throw new Error(`${at(path, ref)} is larger than ${maxTextBytes} bytes`);
      return file.body;
    },
    async bytes(path, ref) {
      const file = await raw(path, ref, true);
      return file && bytesOfBody(file.body, maxBytes, at(path, ref));
    },
  };
}
