export { LelantosClient, SandboxHandle } from './web/lelantos_sdk.js';
export type {
  BuildStatus,
  LogLevel,
  SandboxState,
  LelantosErrorKind,
  LelantosClientOptions,
  RequestOptions,
  CreateTemplateOptions,
  Template,
  LogEntry,
  BuildReason,
  TemplateBuildStatus,
  BuildStatusOptions,
  WaitForBuildOptions,
  ListTemplatesOptions,
  PaginatedResult,
  CreateSandboxOptions,
  ListSandboxesOptions,
  Sandbox,
  Health,
} from './web/lelantos_sdk.js';
import type { LelantosErrorKind, TemplateBuildStatus } from './web/lelantos_sdk.js';

/** Every error the client throws or rejects with. */
export declare class LelantosError extends Error {
  readonly name: 'LelantosError';
  /** What kind of failure. */
  readonly kind: LelantosErrorKind;
  /** The HTTP status; 0 when there was no HTTP answer or the call was never sent. */
  readonly status: number;
  /** The `code` of the API's error body, or null. */
  readonly code: number | null;
  /** For kind `"build"` (from `waitForBuild`): the final build status. */
  readonly build?: TemplateBuildStatus;
}

/** Whether `e` is a LelantosError. */
export declare function isLelantosError(e: unknown): e is LelantosError;
