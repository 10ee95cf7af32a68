/**
 * What `import ... from 'ablate'` gives a stage author: defineStage, the
 * stage context and artifact types, and the accessor for the fan-in index.
 */
export {
  defineStage,
  runInTurn,
  withSchemaDefaults,
  type GroupPolicy,
  type InputArtifact,
  type InputDeclaration,
  type JsonObject,
  type JsonValue,
  type MemberOutcome,
  type ParamsOf,
  type ParamsSchema,
  type ProgressUpdate,
  type Resources,
  type RuntimeProvider,
  type StageContext,
  type StageDefinition,
  type TypedStageDefinition,
  type VerifyPolicy,
} from './stage-api.js';
export * from './input-index.js';
