/** `listUntilShown` (app/read-your-write.ts): waits for a write to show, and stops once it is gone. */
import { describe, expect, it } from "vitest";
import { listUntilShown } from "../../app/read-your-write.js";

describe("listUntilShown", () => {
  it("lists again, with growing waits, until the write shows", async () => {
    let listings = 0;
    const listing = await listUntilShown(
      async () => (++listings >= 3 ? [1, 2] : [1]),
      (items) => items.includes(2),
      { firstDelayMs: 1, attempts: 5 },
    );
    expect([listing, listings]).toEqual([[1, 2], 3]);
  });

  it("gives up after its attempts when the write never shows", async () => {
    let listings = 0;
    const listing = await listUntilShown(
      async () => (listings++, [1]),
      (items) => items.includes(2),
      { firstDelayMs: 1, attempts: 4 },
    );
    expect([listing, listings]).toEqual([null, 4]);
  });

  it("stops as soon as the write is gone (asked from the third listing on), not after every attempt", async () => {
    let listings = 0;
    let asked = 0;
    const listing = await listUntilShown(
      async () => (listings++, [1]),
      (items) => items.includes(2),
      { firstDelayMs: 1, attempts: 9 },
      async () => ++asked >= 2,
    );
    expect([listing, listings, asked]).toEqual([null, 3, 2]);
  });
});
