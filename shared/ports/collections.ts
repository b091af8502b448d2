/** Names of the documents collections, in one place so Terraform (TTL, indexes) and code agree. */
export const COLLECTIONS = {
  apiKeys: 'apiKeys',
  users: 'users',
  predictions: 'predictions',
  feedback: 'feedback',
  modelRegistry: 'modelRegistry',
  /** One document per trained model version (stage, metrics, artifact, training data). */
  modelVersions: 'modelVersions',
  driftReports: 'driftReports',
  /** Event ids already handled, for idempotent CloudEvent functions. */
  processedEvents: 'processedEvents',
} as const;

export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];
