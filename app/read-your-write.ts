/**
 * GitHub's list endpoints can lag just after a write: a comment or check run just created may be
 * missing from the next listing. The convergence rules (app/README.md) act on a listing only once
 * it shows the handler's own write, because a listing that shows a write also shows everything
 * created before it.
 */

/** How long to wait for a write to show in a listing. */
export interface ListingWait {
  /** Listings tried at most, the first at once (default 7). */
  attempts?: number;
  /** Wait before the second listing, doubled for each next one (default 50 ms; 3.15 s in all). */
  firstDelayMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Lists with `list` until `shows` holds for the listing; returns that listing, or null when the
 * attempts ran out (the reconciliation pass finishes the work later), or when `gone`, asked
 * before the third listing and each later one, says the write no longer exists (another writer
 * removed it, so no listing will ever show it).
 */
export async function listUntilShown<T>(
  list: () => Promise<T[]>,
  shows: (items: T[]) => boolean,
  wait: ListingWait = {},
  gone?: () => Promise<boolean>,
): Promise<T[] | null> {
  const attempts = wait.attempts ?? 7;
  let delay = wait.firstDelayMs ?? 50;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) {
      if (i >= 2 && gone && (await gone())) return null;
      await sleep(delay);
      delay *= 2;
    }
    const items = await list();
    if (shows(items)) return items;
  }
  return null;
}
