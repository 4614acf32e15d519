/**
 * @module An instance's hourly price and what it has cost, kept in its object's KV storage.
 * Spend is the price times the connected time since the price was set, plus what earlier
 * prices accrued. NOTE: connected time is the reporter's, so a container that runs with its
 * reporter down costs money that this figure misses.
 */
import { instancePriceSchema } from "@comfycarry/shared";
import type { InstancePrice } from "@comfycarry/shared";
import { z } from "zod";

const PRICE_KEY = "price";
const MS_PER_HOUR = 3_600_000;

const priceRecordSchema = z.object({
  version: z.literal(1),
  price: instancePriceSchema,
  /** Spend accrued under earlier prices, in this price's currency (a currency change restarts it). */
  spentBefore: z.number().nonnegative(),
  /** Uptime in ms when this price was set; spend counts from there. */
  uptimeAtSetMs: z.number().nonnegative(),
});
type PriceRecord = z.infer<typeof priceRecordSchema>;

export class PriceStore {
  constructor(private readonly kv: SyncKvStorage) {}

  private read(): PriceRecord | null {
    const parsed = priceRecordSchema.safeParse(this.kv.get(PRICE_KEY));
    return parsed.success ? parsed.data : null;
  }

  /** Returns the current price, or null when none was set. */
  price(): InstancePrice | null {
    return this.read()?.price ?? null;
  }

  /** Returns the spend at uptime `uptimeMs`, or null without a price. */
  spend(uptimeMs: number): number | null {
    const record = this.read();
    if (record === null) {
      return null;
    }
    const hours = Math.max(0, uptimeMs - record.uptimeAtSetMs) / MS_PER_HOUR;
    return record.spentBefore + record.price.hourly_price * hours;
  }

  /** Replaces the price; what the old one accrued carries over unless the currency changes. */
  set(price: InstancePrice, uptimeMs: number): void {
    const old = this.read();
    const carried = old !== null && old.price.currency === price.currency ? (this.spend(uptimeMs) ?? 0) : 0;
    this.kv.put(PRICE_KEY, { version: 1, price, spentBefore: carried, uptimeAtSetMs: uptimeMs } satisfies PriceRecord);
  }

  /** Removes the price and the spend with it. */
  clear(): void {
    this.kv.delete(PRICE_KEY);
  }
}
