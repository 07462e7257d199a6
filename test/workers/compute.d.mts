export function compute(x: unknown, seed: number): Record<string, unknown>;
