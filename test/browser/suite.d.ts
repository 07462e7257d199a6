export function runSuite(m: unknown): Record<string, unknown>;
