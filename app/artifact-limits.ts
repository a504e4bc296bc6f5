/** What one workflow run may hand the app: limits on its artifacts, checked before anything is parsed. */
/** Limits on what one run may hand the app. */
export interface ArtifactLimits {
  maxArtifacts: number;
  maxZipBytes: number;
  maxEntries: number;
  maxReportBytes: number;
  maxModelBytes: number;
}

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
};
