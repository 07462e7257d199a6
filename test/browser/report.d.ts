export function encode(data: unknown): string;
export function report(data: unknown): Promise<Response>;
