// The SDK's error class. Rust code creates instances through makeError so that every error
// thrown by LelantosClient is a real Error subclass with name, kind, status, code and message.
export class LelantosError extends Error {
  constructor(kind, status, code, message, build) {
    super(message);
    this.name = 'LelantosError';
    this.kind = kind;
    this.status = status;
    this.code = code;
    if (build !== undefined) this.build = build;
  }
}

export function isLelantosError(e) {
  return e instanceof LelantosError;
}

export function makeError(kind, status, code, message, build) {
  return new LelantosError(kind, status, code, message, build);
}
