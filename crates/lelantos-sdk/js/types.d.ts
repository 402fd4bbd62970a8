/** `"building"` while queued or running, then `"ready"` or `"error"`. */
export type BuildStatus = "building" | "ready" | "error";
/** Severity of a build log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";
/** State of a sandbox. */
export type SandboxState = "running" | "killed" | "stopped";
/** What kind of failure a LelantosError is. */
export type LelantosErrorKind =
  | "validation" | "auth" | "not_found" | "conflict" | "rate_limited"
  | "server" | "network" | "timeout" | "aborted" | "build";

/** Options of `new LelantosClient(...)`. */
export interface LelantosClientOptions {
  /** Your API key (`lel_…`). Sent only in the `X-API-Key` header. */
  apiKey: string;
  /** Default `https://api.lelantos.ai`. */
  baseURL?: string;
  /** Per-request timeout in milliseconds, 1 to 3600000. Default 30000. */
  timeout?: number;
}

/** Per-call options. */
export interface RequestOptions {
  /** Aborts the call (it rejects with kind `"aborted"`). */
  signal?: AbortSignal;
}

/** Options of `createTemplate`. */
export interface CreateTemplateOptions extends RequestOptions {
  /** Dockerfile text: at most 256 KiB, with a FROM. */
  dockerfile: string;
  /** 1–63 characters of a-z, 0-9, '-', '_', starting with a letter or digit. Same alias again = rebuild. */
  alias?: string;
  /** vCPUs, integer 1–8. Default 2. */
  cpuCount?: number;
  /** Memory in MB, integer 128–8192. Default 512. */
  memoryMB?: number;
}

/** A template. */
export interface Template {
  templateID: string;
  buildID: string;
  cpuCount: number;
  memoryMB: number;
  diskSizeMB: number;
  public: boolean;
  aliases: string[];
  createdAt: string;
  updatedAt: string;
  buildCount: number;
  spawnCount: number;
  lastSpawnedAt: string | null;
  /** Status of the template's build. */
  buildStatus: BuildStatus;
}

/** One build log line. */
export interface LogEntry {
  timestamp: string;
  level: LogLevel;
  message: string;
  /** The build step, e.g. `[2/3] RUN pip install …`. */
  step?: string;
}

/** Why a build failed. */
export interface BuildReason {
  message: string;
  step?: string;
  /** 1-based Dockerfile line of the failing instruction. */
  line?: number;
}

/** The status of a build. */
export interface TemplateBuildStatus {
  templateID: string;
  buildID: string;
  status: BuildStatus;
  /** One human line, when `status` is `"error"`. */
  error?: string;
  logs: LogEntry[];
  reason?: BuildReason;
  startedAt: string;
  finishedAt?: string;
}

/** Options of `getTemplateBuildStatus`. */
export interface BuildStatusOptions extends RequestOptions {
  /** Return only log entries after the first N. */
  logsOffset?: number;
}

/** Options of `waitForBuild`. */
export interface WaitForBuildOptions extends RequestOptions {
  /** Pause between polls in ms. Default 2000, at least 100. */
  intervalMs?: number;
  /** Give up (kind `"timeout"`) after this many ms. Default: wait as long as the build runs. */
  timeoutMs?: number;
  /** Called after every poll with the status (logs so far included). */
  onStatus?: (status: TemplateBuildStatus) => void;
  /** Called with the log entries that are new since the previous poll. */
  onLogs?: (entries: LogEntry[]) => void;
}

/** Options of `listTemplates`. */
export interface ListTemplatesOptions extends RequestOptions {
  /** Page size, 1–100. Default 100. */
  limit?: number;
  /** `nextToken` of the previous page. */
  nextToken?: string;
}

/** One page of results. */
export interface PaginatedResult<T> {
  data: T[];
  /** Present when there is another page. */
  nextToken?: string;
}

/** Options of `createSandbox`. */
export interface CreateSandboxOptions extends RequestOptions {
  /** A template id or alias; its build must be ready. */
  templateID: string;
  /** Seconds until the sandbox is stopped, 1–86400. Default 86400. */
  timeout?: number;
  /** String labels kept with the sandbox. */
  metadata?: Record<string, string>;
  /** Environment variables for the sandbox (never returned by the API). */
  envVars?: Record<string, string>;
}

/** Options of `listSandboxes`. */
export interface ListSandboxesOptions extends RequestOptions {
  /** States to include. Default: running only. */
  state?: SandboxState[];
  /** Only sandboxes with all of these labels. */
  metadata?: Record<string, string>;
}

/** A sandbox. */
export interface Sandbox {
  sandboxID: string;
  templateID: string;
  alias?: string;
  clientID: string;
  envdVersion: string;
  startedAt: string;
  endAt: string;
  cpuCount: number;
  memoryMB: number;
  diskSizeMB: number;
  metadata: Record<string, string>;
  state: SandboxState;
}

/** `GET /health`. */
export interface Health {
  status: string;
  version: string;
  /** `"docker"` or `"dry-run"`. */
  builder: string;
  warnings: string[];
}
