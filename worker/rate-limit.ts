/**
 * Rate limits through the Workers Rate Limiting binding. A missing binding means "no limit"
 * (a deployment that did not configure one); a binding that errors lets the request through
 * rather than refusing legitimate mail.
 */
export async function allowed(limiter: RateLimit | undefined, key: string): Promise<boolean> {
  if (!limiter) return true;
  try {
    return (await limiter.limit({ key })).success;
  } catch {
    return true;
  }
}
