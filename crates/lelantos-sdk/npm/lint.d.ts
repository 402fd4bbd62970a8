export { lintDockerfile } from './web/lelantos_lint.js';
export type { LintDiagnostic } from './web/lelantos_lint.js';
