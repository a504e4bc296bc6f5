/** What one workflow run may hand the app: limits on its artifacts, checked before anything is parsed. */
/** Limits on what one run may hand the app. */
export interface ArtifactLimits {
  maxArtifacts: number;
  maxZipBytes: number;
  maxEntries: number;
  maxReportBytes: number;
  maxModelBytes: number;
  /**
   * Bytes an ONNX model may have (its .onnx file beside the model file), allowed on top of
   * `maxZipBytes`; a model over it is refused with a message naming the cap. Default
   * {@link DEFAULT_MAX_ONNX_BYTES} (none on top of the zip's limit when unset); a repository
   * may lower it with `app.maxOnnxBytes` in modelgate.yml, never raise it.
   */
  maxOnnxBytes?: number;
}

/** The default cap on an ONNX model's bytes: 50 MB. */
export const DEFAULT_MAX_ONNX_BYTES = 50 * 1024 * 1024;

/** The default limits (an operator can pass others to the server, see README). */
export const ARTIFACT_LIMITS: Readonly<ArtifactLimits> = {
  /** Report artifacts read from one run (a report holds at most 100 models). */
  maxArtifacts: 100,
  /** Bytes of one artifact's zip, as listed and as downloaded. */
  maxZipBytes: 25 * 1024 * 1024,
  /** Entries in one zip's central directory. */
  maxEntries: 1000,
  /** Bytes report.json may inflate to. */
  maxReportBytes: 5 * 1024 * 1024,
  /** Bytes the model file may inflate to. */
  maxModelBytes: 20 * 1024 * 1024,
  /** Bytes of an ONNX model, on top of the zip's limit (it rides in the same artifact). */
  maxOnnxBytes: DEFAULT_MAX_ONNX_BYTES,
};

/** The limits for one repository: the operator's, with the ONNX cap its `app:` settings set. */
export function limitsFor(
  limits: ArtifactLimits,
  app: { maxOnnxBytes?: number } | undefined,
): ArtifactLimits {
  return app?.maxOnnxBytes === undefined ? limits : { ...limits, maxOnnxBytes: app.maxOnnxBytes };
}
